/**
 * MessageStream: the live, durable message stream everything else reads.
 * Writers call ingest(messages) or ingestEncoded(protobufs): validate,
 * encode, append durably, then publish. Three ways to read, all in strict
 * log order, each giving LogEntry {offset, encoded, message} (message is
 * decoded on first access when the stream only has the bytes):
 * - recent(): the in-memory window of the newest messages;
 * - read(from, max): a page of entries from any retained offset;
 * - tail(from): an async iterator that catches up from disk, then follows
 *   live publishes; it never repeats an offset and skips only offsets that
 *   retention has deleted (the first entry's offset shows the jump).
 * Readers save their progress in `checkpoints`.
 *
 * Layout of the data directory: `log/` (segments), `checkpoints.json`.
 */
import { join } from 'node:path';
import { MAX_MESSAGE_SIZE, MessageError, type Message } from '../message/message';
import { decodeMessage, encodeMessage } from '../message/protobuf';
import { CheckpointStore } from './checkpoints';
import { LogClosedError, LogError, OverloadedError } from './errors';
import type { LogFs } from './log-fs';
import {
  DEFAULT_WINDOW_CAPACITY,
  DEFAULT_WINDOW_DECODED,
  RecentWindow,
  StreamEntry,
  type LogEntry,
} from './recent-window';
import { SegmentLog, type LogStats, type OpenReport, type SegmentLogOptions } from './segment-log';

export interface MessageStreamOptions {
  /** Segment size, retention and commit limits of the log. */
  log?: Omit<SegmentLogOptions, 'fs'>;
  /** How many recent messages stay in memory (as bytes, ~0.8 KB each with bookkeeping). Default 200 000. */
  windowCapacity?: number;
  /**
   * How many of the newest keep their decoded form too (~2 KB each for the
   * sample mix); older ones decode on access. Default 10 000.
   */
  windowDecoded?: number;
  /** On open, load this many of the newest stored messages into the window (as bytes; decoded on use). Default: windowCapacity. */
  warmWindow?: number;
  /** Ingest is refused with OVERLOADED while more messages than this wait for the disk. Default 250 000. */
  maxPendingMessages?: number;
  /** The same bound in encoded bytes. Default 64 MiB. */
  maxPendingBytes?: number;
  /** Checkpoint save interval. Default 1000 ms. */
  checkpointIntervalMs?: number;
  /** File-system seam, shared by the log and the checkpoint store. */
  fs?: LogFs;
}

/** Ingest's answer: what was appended, and which messages were refused and why. */
export interface IngestResult {
  /** Messages appended (all acknowledged, i.e. on disk). */
  accepted: number;
  /** Offset of the first appended message; when accepted is 0, the next offset. */
  first: number;
  /** Offset of the last appended message; first - 1 when accepted is 0. */
  last: number;
  /** Messages that could not be encoded; `index` is their position in the ingest call. */
  rejected: { index: number; reason: string }[];
}

export interface TailOptions {
  /** Most entries per yielded batch. Default 1000. */
  maxBatch?: number;
  /** Stop the iterator (it returns at the next wait). */
  signal?: AbortSignal;
}

export interface StreamStats {
  log: LogStats;
  window: { firstOffset: number; nextOffset: number; size: number; capacity: number };
  ingested: number;
  rejected: number;
  overloaded: number;
  diskFull: number;
  writeFailed: number;
  pendingMessages: number;
  pendingBytes: number;
}

function inSizeRange(r: Uint8Array): boolean {
  return r.length > 0 && r.length <= MAX_MESSAGE_SIZE;
}

export type PublishListener = (entries: readonly LogEntry[]) => void;

export class MessageStream {
  readonly dir: string;
  readonly checkpoints: CheckpointStore;
  /** What opening the log found and repaired (torn tail etc.). */
  readonly openReport: OpenReport;
  private readonly log: SegmentLog;
  private readonly window: RecentWindow;
  private readonly maxPendingMessages: number;
  private readonly maxPendingBytes: number;
  private listeners = new Set<PublishListener>();
  private waiters: (() => void)[] = [];
  private pendingMessages = 0;
  private pendingBytes = 0;
  private closed = false;
  /** Acknowledged messages per ms lately, for the retry-after hint. */
  private drainRate = 0;
  private rateSince = 0;
  private rateCount = 0;
  /** Acknowledged batches waiting for earlier offsets to be published first. */
  private ready = new Map<number, LogEntry[]>();
  private counters = { ingested: 0, rejected: 0, overloaded: 0, diskFull: 0, writeFailed: 0 };

  private constructor(
    dir: string,
    log: SegmentLog,
    window: RecentWindow,
    checkpoints: CheckpointStore,
    options: MessageStreamOptions,
  ) {
    this.dir = dir;
    this.log = log;
    this.window = window;
    this.checkpoints = checkpoints;
    this.openReport = log.openReport;
    this.maxPendingMessages = options.maxPendingMessages ?? 250_000;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
  }

  /** Open (or create) the stream in data directory `dir`. */
  static async open(dir: string, options: MessageStreamOptions = {}): Promise<MessageStream> {
    const log = await SegmentLog.open(join(dir, 'log'), { ...options.log, fs: options.fs });
    let checkpoints: CheckpointStore;
    try {
      checkpoints = await CheckpointStore.open(join(dir, 'checkpoints.json'), {
        intervalMs: options.checkpointIntervalMs,
        fs: options.fs,
      });
    } catch (err) {
      await log.close();
      throw err;
    }
    const capacity = options.windowCapacity ?? DEFAULT_WINDOW_CAPACITY;
    const window = new RecentWindow(capacity, Math.min(capacity, options.windowDecoded ?? DEFAULT_WINDOW_DECODED));
    const stream = new MessageStream(dir, log, window, checkpoints, options);
    window.clear(log.nextOffset);
    await stream.warm(Math.min(options.warmWindow ?? window.capacity, window.capacity));
    return stream;
  }

  /** Oldest retained offset. */
  get firstOffset(): number {
    return this.log.firstOffset;
  }

  /** Offset the next ingested message will get; everything below is durable and published. */
  get nextOffset(): number {
    return this.window.nextOffset;
  }

  /**
   * Append messages durably, in order, and publish them to the window and
   * live readers. Messages that cannot be encoded are left out and listed in
   * `rejected`; the rest are appended as one batch (all or nothing).
   *
   * Refusals (the promise rejects, nothing appended): OverloadedError
   * (OVERLOADED) when too much is waiting for the disk, LogFullError
   * (DISK_FULL), LogWriteError (WRITE_FAILED), LogClosedError; each
   * back-pressure error carries `retryAfterMs`.
   *
   * The stream keeps the message objects (readers get them as
   * `entry.message`): do not change them after ingest.
   */
  async ingest(messages: readonly Message[]): Promise<IngestResult> {
    if (this.closed) throw new LogClosedError('stream');
    const rejected: IngestResult['rejected'] = [];
    const records: Uint8Array[] = [];
    const kept: Message[] = [];
    for (let i = 0; i < messages.length; i++) {
      try {
        records.push(encodeMessage(messages[i]));
        kept.push(messages[i]);
      } catch (err) {
        rejected.push({ index: i, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return this.append(records, kept, rejected);
  }

  /**
   * Append already-encoded Heka protobuf messages (e.g. a Hindsight stream as
   * received), stored byte for byte. Each is decoded once to check it (unless
   * `validated` says the caller just did); ones that do not decode are
   * rejected by index. Readers decode entries lazily. Same refusals as ingest.
   * `framed`: the records' canonical framing back to back (see
   * SegmentLog.append), used when every record is appended.
   */
  async ingestEncoded(
    records: readonly Uint8Array[],
    options: { validated?: boolean; framed?: Uint8Array } = {},
  ): Promise<IngestResult> {
    if (this.closed) throw new LogClosedError('stream');
    const rejected: IngestResult['rejected'] = [];
    // A validated batch whose sizes are all in range is appended as given:
    // no second array of a million views for a large body.
    if (options.validated && records.every(inSizeRange)) return this.append(records, undefined, rejected, options.framed);
    const good: Uint8Array[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      try {
        if (r.length === 0 || r.length > MAX_MESSAGE_SIZE) {
          throw new MessageError(`encoded message is ${r.length} bytes (1..${MAX_MESSAGE_SIZE} allowed)`);
        }
        if (!options.validated) decodeMessage(r);
        good.push(r);
      } catch (err) {
        rejected.push({ index: i, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return this.append(good, undefined, rejected);
  }

  private async append(
    records: readonly Uint8Array[],
    messages: Message[] | undefined,
    rejected: IngestResult['rejected'],
    framed?: Uint8Array,
  ): Promise<IngestResult> {
    this.counters.rejected += rejected.length;
    if (records.length === 0) return { accepted: 0, first: this.nextOffset, last: this.nextOffset - 1, rejected };
    let bytes = 0;
    for (let i = 0; i < records.length; i++) bytes += records[i].length;

    // Bounded queue: refuse rather than buffer without limit. A batch larger
    // than the bound is still taken when nothing else is waiting.
    const busy = this.pendingMessages > 0;
    if (
      busy &&
      (this.pendingMessages + records.length > this.maxPendingMessages || this.pendingBytes + bytes > this.maxPendingBytes)
    ) {
      this.counters.overloaded++;
      const retryAfterMs = this.retryAfterMs();
      throw new OverloadedError(
        `ingest refused: ${this.pendingMessages} messages (${this.pendingBytes} bytes) are already waiting for the disk ` +
          `(limits ${this.maxPendingMessages} messages, ${this.maxPendingBytes} bytes); retry in ${retryAfterMs} ms`,
        retryAfterMs,
      );
    }

    this.pendingMessages += records.length;
    this.pendingBytes += bytes;
    let first: number;
    try {
      ({ first } = await this.log.append(records, framed));
    } catch (err) {
      if (err instanceof LogError && err.code === 'DISK_FULL') this.counters.diskFull++;
      else if (err instanceof LogError && err.code === 'WRITE_FAILED') this.counters.writeFailed++;
      throw err;
    } finally {
      this.pendingMessages -= records.length;
      this.pendingBytes -= bytes;
    }
    this.noteAcked(records.length);

    const entries: LogEntry[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) entries[i] = new StreamEntry(first + i, records[i], messages?.[i]);
    // Publish strictly in offset order, whatever order the continuations run in.
    this.ready.set(first, entries);
    for (let batch = this.ready.get(this.window.nextOffset); batch; batch = this.ready.get(this.window.nextOffset)) {
      this.ready.delete(batch[0].offset);
      this.publish(batch);
    }
    this.counters.ingested += records.length;
    return { accepted: records.length, first, last: first + records.length - 1, rejected };
  }

  /** The newest messages in memory, oldest first (at most `max`). */
  recent(max?: number): LogEntry[] {
    return this.window.snapshot(max);
  }

  /** Window bounds: [firstOffset, nextOffset) are in memory. */
  get windowRange(): { firstOffset: number; nextOffset: number; capacity: number } {
    return { firstOffset: this.window.firstOffset, nextOffset: this.window.nextOffset, capacity: this.window.capacity };
  }

  /**
   * Up to `max` entries from `from` on: from the window when it still holds
   * `from`, else from disk. A `from` older than retention starts at the
   * oldest retained offset (check the first entry's offset).
   */
  async read(from: number, max = 1000): Promise<LogEntry[]> {
    return (await this.readPage(from, max)).entries;
  }

  /**
   * Follow the stream from `from` (a checkpoint, an offset within retention,
   * or nextOffset for the live head): yields batches of consecutive entries
   * in log order, reading from disk while `from` is older than the window and
   * from memory after; waits for new messages at the head. Ends when the
   * stream closes or `signal` aborts.
   */
  async *tail(from: number, options: TailOptions = {}): AsyncGenerator<LogEntry[], void, undefined> {
    const maxBatch = options.maxBatch ?? 1000;
    const signal = options.signal;
    let next = Math.max(0, Math.floor(from));
    while (!this.closed && !signal?.aborted) {
      if (next < this.window.nextOffset) {
        const page = await this.readPage(next, maxBatch);
        next = page.next;
        if (page.entries.length > 0) yield page.entries;
        continue;
      }
      await this.nextPublish(signal);
    }
  }

  /**
   * The first retained offset whose message Timestamp is at or after
   * `timestampNs` (nextOffset when none is): where a backfill "from time T"
   * starts. A binary search, so it assumes Timestamps grow with offsets, as
   * they do for live input; with out-of-order timestamps it lands close.
   */
  async offsetForTime(timestampNs: bigint): Promise<number> {
    let lo = this.firstOffset;
    let hi = this.nextOffset; // answer in [lo, hi]
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const [entry] = await this.read(mid, 1);
      if (!entry) {
        hi = mid; // nothing readable there any more (retention): search below
        continue;
      }
      let ts: bigint;
      try {
        ts = entry.message.timestamp;
      } catch {
        lo = entry.offset + 1; // an undecodable record: step over it
        continue;
      }
      if (ts >= timestampNs) hi = Math.min(mid, entry.offset);
      else lo = entry.offset + 1;
    }
    return Math.max(lo, this.firstOffset);
  }

  /** Call `listener` with every published batch, in order; returns an unsubscribe function. */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): StreamStats {
    return {
      log: this.log.stats(),
      window: {
        firstOffset: this.window.firstOffset,
        nextOffset: this.window.nextOffset,
        size: this.window.size,
        capacity: this.window.capacity,
      },
      ...this.counters,
      pendingMessages: this.pendingMessages,
      pendingBytes: this.pendingBytes,
    };
  }

  /** Delete segments beyond the retention limits now (it also runs on its own). */
  applyRetention(): Promise<number> {
    return this.log.applyRetention();
  }

  /** Finish pending appends, save checkpoints, end tail iterators, close files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.log.close();
    this.wake();
    await this.checkpoints.close();
  }

  // ---------------------------------------------------------------------------

  private publish(entries: LogEntry[]): void {
    this.window.push(entries);
    this.wake();
    for (const l of this.listeners) {
      try {
        l(entries);
      } catch {
        // A listener's failure must not break ingest or other listeners.
      }
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private nextPublish(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed || signal?.aborted) return resolve();
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Entries from `from` on and the offset to continue at (past offsets retention removed). */
  private async readPage(from: number, max: number): Promise<{ entries: LogEntry[]; next: number }> {
    const head = this.window.nextOffset;
    if (from >= this.window.firstOffset) {
      const entries = this.window.slice(from, max);
      return { entries, next: entries.length > 0 ? entries[entries.length - 1].offset + 1 : Math.max(from, head) };
    }
    const records = await this.log.read(from, { maxRecords: max });
    const entries: LogEntry[] = [];
    let next = from;
    for (const r of records) {
      if (r.offset >= head) break; // committed but not yet published: the window will have it
      entries.push(this.window.get(r.offset) ?? new StreamEntry(r.offset, r.encoded));
      next = r.offset + 1;
    }
    // Nothing on disk between `from` and the window: continue at the window.
    if (next === from) next = this.window.firstOffset;
    return { entries, next };
  }

  private noteAcked(n: number): void {
    const now = performance.now();
    this.rateCount += n;
    if (this.rateSince === 0) this.rateSince = now;
    const dt = now - this.rateSince;
    if (dt >= 20) {
      const rate = this.rateCount / dt;
      this.drainRate = this.drainRate === 0 ? rate : 0.7 * this.drainRate + 0.3 * rate;
      this.rateSince = now;
      this.rateCount = 0;
    }
  }

  private retryAfterMs(): number {
    const rate = this.drainRate > 0 ? this.drainRate : 100; // messages per ms
    return Math.min(5000, Math.max(50, Math.ceil(this.pendingMessages / rate)));
  }

  /** Fill the window with the newest stored messages, so Run Matcher has data right after a restart. */
  private async warm(count: number): Promise<void> {
    const next = this.log.nextOffset;
    let from = Math.max(this.log.firstOffset, next - count);
    const entries: LogEntry[] = [];
    while (from < next) {
      const records = await this.log.read(from, { maxRecords: 10_000 });
      if (records.length === 0) break;
      for (const r of records) entries.push(new StreamEntry(r.offset, r.encoded));
      from = records[records.length - 1].offset + 1;
    }
    // The window must be contiguous: keep the run after the last gap.
    let start = entries.length - 1;
    while (start > 0 && entries[start - 1].offset === entries[start].offset - 1) start--;
    const run = entries.slice(Math.max(start, 0));
    if (run.length > 0 && run[run.length - 1].offset === next - 1) {
      this.window.clear(run[0].offset);
      this.window.push(run);
    }
  }
}
