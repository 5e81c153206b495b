/**
 * The deployed plugins, persisted in the data directory so a restart brings
 * back every plugin that was running: `<dataDir>/plugins/<id>.json` holds a
 * plugin's spec, version, state (running / stopped / terminated, with the
 * error and its time) and last stats; `<id>.state` holds its preserve_data
 * state, saved on a clean stop. Every write is atomic.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries, writeFileAtomic } from '../outputs/atomic-file';
import { parsePluginId, pluginId, validatePluginSpec, type PluginSpec } from './plugin-spec';
import type { PluginStats } from './plugin-stats';

export type PluginState = 'running' | 'stopped' | 'terminated';

export interface PluginTermination {
  /** Hindsight-shaped, e.g. "process_message() plugin.js:12: boom". */
  message: string;
  /** ms since the epoch. */
  at: number;
  /** Line in the plugin's code, when known. */
  line?: number;
}

export interface PluginRecord {
  id: string;
  spec: PluginSpec;
  /** 1 on first deploy, +1 on every update. */
  version: number;
  state: PluginState;
  deployedAt: number;
  /** Last state change, ms since the epoch. */
  changedAt: number;
  /** Set while terminated (kept until the plugin is redeployed or restarted). */
  error?: PluginTermination;
  /** The last stats seen (kept after stop / termination). */
  lastStats?: PluginStats;
}

const RECORD_SUFFIX = '.json';
const STATE_SUFFIX = '.state';

export class PluginRegistry {
  private readonly records = new Map<string, PluginRecord>();
  /** One write at a time per plugin, in call order. */
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(
    readonly dir: string,
    /** Files that could not be read back at open, with the reason. */
    readonly loadWarnings: string[],
  ) {}

  static async open(dir: string): Promise<PluginRegistry> {
    await fsp.mkdir(dir, { recursive: true });
    await removeStaleTemporaries(dir);
    const reg = new PluginRegistry(dir, []);
    for (const file of (await fsp.readdir(dir)).sort()) {
      if (!file.endsWith(RECORD_SUFFIX) || file.startsWith('.')) continue;
      try {
        const rec = parseRecord(await fsp.readFile(join(dir, file), 'utf8'));
        if (rec.id + RECORD_SUFFIX !== file) throw new Error(`holds plugin ${rec.id}`);
        reg.records.set(rec.id, rec);
      } catch (err) {
        reg.loadWarnings.push(`${file}: ${(err as Error).message}`);
      }
    }
    return reg;
  }

  list(): PluginRecord[] {
    return [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): PluginRecord | undefined {
    return this.records.get(id);
  }

  /** Store (create or replace) a record; resolves once it is durable. */
  put(record: PluginRecord): Promise<void> {
    this.records.set(record.id, record);
    const text = JSON.stringify(record);
    return this.serialize(record.id, () => writeFileAtomic(this.recordPath(record.id), text));
  }

  /** Forget a plugin and its saved state. */
  remove(id: string): Promise<void> {
    this.records.delete(id);
    return this.serialize(id, async () => {
      await unlinkIfPresent(this.recordPath(id));
      await unlinkIfPresent(this.statePath(id));
    });
  }

  /** The preserve_data state saved at the last clean stop, if any. */
  async loadState(id: string): Promise<Uint8Array | undefined> {
    await this.writes.get(id);
    try {
      return new Uint8Array(await fsp.readFile(this.statePath(id)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  saveState(id: string, state: Uint8Array): Promise<void> {
    return this.serialize(id, () => writeFileAtomic(this.statePath(id), state));
  }

  deleteState(id: string): Promise<void> {
    return this.serialize(id, () => unlinkIfPresent(this.statePath(id)));
  }

  /** Wait for every pending write. */
  async settle(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  private recordPath(id: string): string {
    return join(this.dir, id + RECORD_SUFFIX);
  }

  private statePath(id: string): string {
    return join(this.dir, id + STATE_SUFFIX);
  }

  private serialize(id: string, write: () => Promise<void>): Promise<void> {
    const prev = this.writes.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(write);
    this.writes.set(id, next);
    const cleanup = () => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    };
    next.then(cleanup, cleanup);
    return next;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await fsp.unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function parseRecord(text: string): PluginRecord {
  const v = JSON.parse(text) as Partial<PluginRecord>;
  if (!v || typeof v !== 'object') throw new Error('not a plugin record');
  const spec = validatePluginSpec(v.spec);
  const id = pluginId(spec.owner, spec.name);
  if (v.id !== id || !parsePluginId(id)) throw new Error(`id ${JSON.stringify(v.id)} does not match its spec`);
  if (v.state !== 'running' && v.state !== 'stopped' && v.state !== 'terminated') {
    throw new Error(`unknown state ${JSON.stringify(v.state)}`);
  }
  if (typeof v.version !== 'number' || typeof v.deployedAt !== 'number' || typeof v.changedAt !== 'number') {
    throw new Error('version, deployedAt and changedAt must be numbers');
  }
  return {
    id,
    spec,
    version: v.version,
    state: v.state,
    deployedAt: v.deployedAt,
    changedAt: v.changedAt,
    ...(v.error ? { error: v.error } : {}),
    ...(v.lastStats ? { lastStats: v.lastStats } : {}),
  };
}
