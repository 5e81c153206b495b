/**
 * The latest `inject_payload` value of every analysis output, keyed as
 * Hindsight names them: `analysis.<owner>.<plugin>.<name>.<type>`.
 *
 * Kept in memory for reads and change events (the web app pushes them to
 * browsers), and persisted under `<dataDir>/outputs/` so values survive a
 * restart. Writes are coalesced: a put marks the output dirty and a flush,
 * about once a second, appends every dirty output to one journal
 * (`outputs.journal`, a JSON line per change with a sequence number) and
 * syncs it once: the cost of a flush follows the outputs that changed, with
 * a fixed number of system calls whatever their count (a file per output
 * cost five calls each, 200 outputs a second at rest with 1,000 plugins).
 * When the journal outgrows the last snapshot, the whole store is written
 * atomically as `outputs.snapshot` (temp file, fsync, rename) and the
 * journal starts again; lines at or below the snapshot's sequence number
 * are skipped on load, so a crash between the two loses nothing. A crash
 * loses at most the last second of output updates; a torn last journal
 * line is skipped with a warning. Stores written one file per output (the
 * earlier layout) are read once and rewritten as a snapshot.
 *
 * Outputs of a plugin that stops, terminates or is deleted stay readable,
 * marked stale, until the plugin writes them again or they are removed.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries, syncDirectory, writeFileAtomic } from './atomic-file';

export interface OutputSummary {
  /** `analysis.<owner>.<plugin>.<name>.<type>` */
  key: string;
  /** The plugin id, `<owner>.<plugin>`. */
  plugin: string;
  /** The name given to inject_payload ("" when none). */
  name: string;
  /** The type given to inject_payload ("txt" by default): txt, json, cbuf, tsv... */
  type: string;
  /** Payload size in UTF-8 bytes. */
  size: number;
  /** When the plugin last changed it (publishing the same value again does not count), ms since the epoch. */
  updatedAt: number;
  /** True once the plugin stopped, terminated or was deleted: the value no longer changes. */
  stale: boolean;
}

export interface OutputEntry extends OutputSummary {
  payload: string;
}

export type OutputEvent =
  | { kind: 'updated'; output: OutputSummary }
  | { kind: 'stale'; plugin: string; keys: string[] }
  | { kind: 'removed'; plugin: string; keys: string[] };

export type OutputListener = (event: OutputEvent) => void;

export interface OutputStoreOptions {
  /** How long a changed output may wait before it is written to disk. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Distinct outputs one plugin may keep; further names are refused. Default 256. */
  maxOutputsPerPlugin?: number;
  /** Journal size beyond which (and beyond the last snapshot's) a snapshot is written. Default 4 MiB. */
  compactJournalBytes?: number;
  /** Called when a background flush fails (the outputs stay dirty and are retried). */
  onError?: (err: unknown) => void;
}

/** Thrown by put() for an output the store refuses (bad names, too many outputs). */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

const FILE_SUFFIX = '.json';
const JOURNAL = 'outputs.journal';
const SNAPSHOT = 'outputs.snapshot';
/** The journal is folded into a snapshot once it is larger than this and than the last snapshot. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

/** One journal line: an output's new entry, or its removal. */
type JournalLine = { s: number; e: OutputEntry } | { s: number; r: string };

export function outputKey(plugin: string, name: string, type: string): string {
  return `analysis.${plugin}.${name}.${type}`;
}

export class OutputStore {
  private readonly entries = new Map<string, OutputEntry>();
  private readonly countByPlugin = new Map<string, number>();
  private readonly listeners = new Set<OutputListener>();
  /** Keys whose file must be (re)written, or deleted when the entry is gone. */
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Sequence number of the last journal line written (or read back). */
  private seq = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private readonly flushIntervalMs: number;
  private readonly compactJournalBytes: number;
  private readonly maxOutputsPerPlugin: number;
  private readonly onError: (err: unknown) => void;

  private constructor(
    readonly dir: string,
    options: OutputStoreOptions,
    /** Files that could not be read back at open, with the reason. */
    readonly loadWarnings: string[],
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxOutputsPerPlugin = options.maxOutputsPerPlugin ?? 256;
    this.onError = options.onError ?? (() => {});
    this.compactJournalBytes = options.compactJournalBytes ?? COMPACT_MIN_BYTES;
  }

  /** Open (creating if needed) the store in `dir` and load what it holds. */
  static async open(dir: string, options: OutputStoreOptions = {}): Promise<OutputStore> {
    await fsp.mkdir(dir, { recursive: true });
    await removeStaleTemporaries(dir);
    const warnings: string[] = [];
    const store = new OutputStore(dir, options, warnings);
    const files = await fsp.readdir(dir);
    // The earlier layout, one file per output: read, then rewritten as a snapshot below.
    const legacy: string[] = [];
    for (const file of files) {
      if (!file.endsWith(FILE_SUFFIX) || file.startsWith('.')) continue;
      try {
        const entry = parseEntry(JSON.parse(await fsp.readFile(join(dir, file), 'utf8')));
        if (fileNameFor(entry.key) !== file) throw new Error('file name does not match its key');
        store.entries.set(entry.key, entry);
        legacy.push(file);
      } catch (err) {
        warnings.push(`${file}: ${(err as Error).message}`);
      }
    }
    let snapshotSeq = 0;
    if (files.includes(SNAPSHOT)) {
      const text = await fsp.readFile(join(dir, SNAPSHOT), 'utf8');
      store.snapshotBytes = Buffer.byteLength(text);
      const lines = text.split('\n');
      try {
        const header = JSON.parse(lines[0]) as { seq?: unknown };
        if (typeof header.seq !== 'number' || !Number.isSafeInteger(header.seq)) throw new Error("its first line has no 'seq'");
        snapshotSeq = header.seq;
        for (let i = 1; i < lines.length; i++) {
          if (lines[i] === '') continue;
          try {
            const entry = parseEntry(JSON.parse(lines[i]));
            store.entries.set(entry.key, entry);
          } catch (err) {
            warnings.push(`${SNAPSHOT} line ${i + 1}: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        warnings.push(`${SNAPSHOT}: ${(err as Error).message}`);
      }
    }
    store.seq = snapshotSeq;
    if (files.includes(JOURNAL)) {
      const text = await fsp.readFile(join(dir, JOURNAL), 'utf8');
      store.journalBytes = Buffer.byteLength(text);
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (lines[i] === '') continue;
        try {
          const line = JSON.parse(lines[i]) as JournalLine;
          if (typeof line.s !== 'number' || !Number.isSafeInteger(line.s)) throw new Error("no sequence number 's'");
          if (line.s > store.seq) store.seq = line.s;
          if (line.s <= snapshotSeq) continue; // already in the snapshot
          if ('r' in line) {
            if (typeof line.r !== 'string') throw new Error("'r' is not a string");
            store.entries.delete(line.r);
          } else {
            const entry = parseEntry(line.e);
            store.entries.set(entry.key, entry);
          }
        } catch (err) {
          const last = lines.slice(i + 1).every((l) => l === '');
          warnings.push(`${JOURNAL} line ${i + 1}${last ? ' (the last, cut short by a crash)' : ''}: ${(err as Error).message}`);
        }
      }
    }
    for (const entry of store.entries.values()) store.countByPlugin.set(entry.plugin, (store.countByPlugin.get(entry.plugin) ?? 0) + 1);
    if (legacy.length) {
      await store.writeSnapshot();
      for (const file of legacy) await fsp.unlink(join(dir, file)).catch(() => {});
      await syncDirectory(dir);
    }
    return store;
  }

  /** Record the latest value of an output; returns its summary. Emits 'updated' when the value (or staleness) changed. */
  put(plugin: string, name: string, type: string, payload: string, updatedAt = Date.now()): OutputSummary {
    if (this.closed) throw new OutputError('the output store is closed');
    const key = outputKey(plugin, name, type);
    const previous = this.entries.get(key);
    // A ticker that publishes the same value again changes nothing: no write,
    // no event, so the cost follows the outputs that change, not the timer calls.
    if (previous && !previous.stale && previous.payload === payload) return summaryOf(previous);
    if (!previous) {
      const count = this.countByPlugin.get(plugin) ?? 0;
      if (count >= this.maxOutputsPerPlugin) {
        throw new OutputError(
          `plugin ${plugin} already has ${count} outputs (the limit); '${key}' was not stored`,
        );
      }
      this.countByPlugin.set(plugin, count + 1);
    }
    const entry: OutputEntry = {
      key,
      plugin,
      name,
      type,
      size: Buffer.byteLength(payload, 'utf8'),
      updatedAt,
      stale: false,
      payload,
    };
    this.entries.set(key, entry);
    this.markDirty(key);
    this.emit({ kind: 'updated', output: summaryOf(entry) });
    return summaryOf(entry);
  }

  get(key: string): OutputEntry | undefined {
    const e = this.entries.get(key);
    return e ? { ...e } : undefined;
  }

  /** One output's summary (no payload copy), or undefined. */
  summary(key: string): OutputSummary | undefined {
    const e = this.entries.get(key);
    return e ? summaryOf(e) : undefined;
  }

  /** Summaries (no payloads), optionally of one plugin or one owner, sorted by key. */
  list(filter: { plugin?: string; owner?: string } = {}): OutputSummary[] {
    const out: OutputSummary[] = [];
    for (const e of this.entries.values()) {
      if (filter.plugin !== undefined && e.plugin !== filter.plugin) continue;
      if (filter.owner !== undefined && !e.plugin.startsWith(filter.owner + '.')) continue;
      out.push(summaryOf(e));
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The plugin no longer updates its outputs (stopped, terminated, deleted). */
  markStale(plugin: string): void {
    const keys: string[] = [];
    for (const e of this.entries.values()) {
      if (e.plugin === plugin && !e.stale) {
        e.stale = true;
        keys.push(e.key);
        this.markDirty(e.key);
      }
    }
    if (keys.length) this.emit({ kind: 'stale', plugin, keys: keys.sort() });
  }

  /** Forget every output of a plugin (on disk too). */
  removePlugin(plugin: string): void {
    const keys: string[] = [];
    for (const e of this.entries.values()) {
      if (e.plugin === plugin) keys.push(e.key);
    }
    for (const k of keys) {
      this.entries.delete(k);
      this.markDirty(k);
    }
    this.countByPlugin.delete(plugin);
    if (keys.length) this.emit({ kind: 'removed', plugin, keys: keys.sort() });
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Write every dirty output now. Resolves when they are durable. */
  flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    // A failed earlier flush must not fail this one: its outputs were re-marked dirty.
    const next = this.flushing.catch(() => {}).then(() => this.writeDirty());
    this.flushing = next;
    return next;
  }

  /** Flush and stop accepting puts. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.listeners.clear();
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    if (!this.flushTimer && !this.closed) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush().catch((err) => this.onError(err));
      }, this.flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  private async writeDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    let text = '';
    let seq = this.seq;
    for (const key of keys) {
      const entry = this.entries.get(key);
      const line: JournalLine = entry ? { s: ++seq, e: entry } : { s: ++seq, r: key };
      text += JSON.stringify(line) + '\n';
    }
    const path = join(this.dir, JOURNAL);
    try {
      const created = this.journalBytes === 0;
      const fh = await fsp.open(path, 'a');
      try {
        await fh.writeFile(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      if (created) await syncDirectory(this.dir);
    } catch (err) {
      // Retry them with the next flush; a newer put may already have re-marked them.
      for (const k of keys) this.markDirty(k);
      throw new OutputError(`could not write ${keys.length} output(s) to ${this.dir}: ${String(err)}`);
    }
    this.seq = seq;
    this.journalBytes += Buffer.byteLength(text);
    if (this.journalBytes > this.compactJournalBytes && this.journalBytes > this.snapshotBytes) {
      await this.writeSnapshot();
      // The snapshot holds everything up to seq: the journal's lines are now redundant (and skipped if a crash keeps them).
      await fsp.truncate(path, 0);
      this.journalBytes = 0;
    }
  }

  /** Every entry, atomically, as `outputs.snapshot` (first line: the sequence number it covers). */
  private async writeSnapshot(): Promise<void> {
    const parts = [JSON.stringify({ seq: this.seq })];
    for (const entry of this.entries.values()) parts.push(JSON.stringify(entry));
    const text = parts.join('\n') + '\n';
    await writeFileAtomic(join(this.dir, SNAPSHOT), text);
    this.snapshotBytes = Buffer.byteLength(text);
  }

  private emit(event: OutputEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not break the writer or the other listeners.
      }
    }
  }
}

function summaryOf(e: OutputEntry): OutputSummary {
  return { key: e.key, plugin: e.plugin, name: e.name, type: e.type, size: e.size, updatedAt: e.updatedAt, stale: e.stale };
}

/** Output names are arbitrary plugin strings: hash them into safe, bounded file names. */
function fileNameFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40) + FILE_SUFFIX;
}

function parseEntry(value: unknown): OutputEntry {
  if (typeof value !== 'object' || value === null) throw new Error('not an output entry');
  const v = value as Record<string, unknown>;
  const str = (k: string): string => {
    if (typeof v[k] !== 'string') throw new Error(`'${k}' is not a string`);
    return v[k] as string;
  };
  const num = (k: string): number => {
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) throw new Error(`'${k}' is not a number`);
    return v[k] as number;
  };
  const entry: OutputEntry = {
    key: str('key'),
    plugin: str('plugin'),
    name: str('name'),
    type: str('type'),
    payload: str('payload'),
    size: num('size'),
    updatedAt: num('updatedAt'),
    stale: v.stale === true,
  };
  if (entry.key !== outputKey(entry.plugin, entry.name, entry.type)) throw new Error('key does not match plugin/name/type');
  return entry;
}
