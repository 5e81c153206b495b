/**
 * Reader checkpoints: for each reader (a plugin, an output), the next offset
 * it has yet to process. Saved atomically (temporary file, fsync, rename,
 * directory fsync) about once a second and on close, so after a crash a
 * reader re-processes at most about a second of messages and never skips one.
 */
import { dirname } from 'node:path';
import { LogCorruptError } from './errors';
import { isNotFound, nodeLogFs, writeFileAtomic, type LogFs } from './log-fs';

export interface CheckpointStoreOptions {
  /** How often changed checkpoints are saved. Default 1000 ms. */
  intervalMs?: number;
  fs?: LogFs;
  /** Called when a periodic save fails (the next interval retries). */
  onError?: (err: unknown) => void;
}

const FORMAT_VERSION = 1;

export class CheckpointStore {
  readonly path: string;
  private readonly io: LogFs;
  private readonly values = new Map<string, number>();
  private dirty = false;
  private saving: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private saves = 0;

  private constructor(path: string, io: LogFs) {
    this.path = path;
    this.io = io;
  }

  /** Load the checkpoints saved at `path` (none when the file does not exist yet). */
  static async open(path: string, options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
    const io = options.fs ?? nodeLogFs;
    const store = new CheckpointStore(path, io);
    let data: Uint8Array | undefined;
    try {
      data = await io.readFile(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (data) {
      for (const [name, offset] of parseCheckpoints(data, path)) store.values.set(name, offset);
    }
    const intervalMs = options.intervalMs ?? 1000;
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    store.timer = setInterval(() => {
      if (store.dirty) store.flush().catch((err) => options.onError?.(err));
    }, intervalMs);
    store.timer.unref();
    return store;
  }

  /** The next offset `reader` should process, if it has a checkpoint. */
  get(reader: string): number | undefined {
    return this.values.get(reader);
  }

  /** Record that `reader` has processed everything before `nextOffset` (saved within the interval). */
  set(reader: string, nextOffset: number): void {
    if (!Number.isSafeInteger(nextOffset) || nextOffset < 0) {
      throw new RangeError(`checkpoint for ${JSON.stringify(reader)} must be a non-negative integer, got ${nextOffset}`);
    }
    if (this.values.get(reader) === nextOffset) return;
    this.values.set(reader, nextOffset);
    this.dirty = true;
  }

  delete(reader: string): void {
    if (this.values.delete(reader)) this.dirty = true;
  }

  /** All checkpoints, reader name to next offset. */
  entries(): Record<string, number> {
    return Object.fromEntries(this.values);
  }

  /** How many times the file has been written (for tests and stats). */
  get saveCount(): number {
    return this.saves;
  }

  /** Save now if anything changed; resolves once the file is durable. */
  async flush(): Promise<void> {
    while (this.saving) await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    const data = new TextEncoder().encode(
      JSON.stringify({ version: FORMAT_VERSION, checkpoints: Object.fromEntries(this.values) }) + '\n',
    );
    this.saving = writeFileAtomic(this.io, this.path, data, dirname(this.path)).then(
      () => {
        this.saves++;
      },
      (err) => {
        this.dirty = true; // retried by the next flush
        throw err;
      },
    );
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }

  /** Save and stop the timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
  }
}

function parseCheckpoints(data: Uint8Array, path: string): [string, number][] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    throw new LogCorruptError(`checkpoint file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const o = json as { version?: unknown; checkpoints?: unknown } | null;
  if (!o || typeof o !== 'object' || o.version !== FORMAT_VERSION || !o.checkpoints || typeof o.checkpoints !== 'object') {
    throw new LogCorruptError(`checkpoint file ${path} is not a version ${FORMAT_VERSION} checkpoint file`);
  }
  const out: [string, number][] = [];
  for (const [name, offset] of Object.entries(o.checkpoints as Record<string, unknown>)) {
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new LogCorruptError(`checkpoint file ${path}: reader ${JSON.stringify(name)} has invalid offset ${JSON.stringify(offset)}`);
    }
    out.push([name, offset]);
  }
  return out;
}
