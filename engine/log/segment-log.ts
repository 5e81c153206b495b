/**
 * SegmentLog: the append-only message log on disk. Records are encoded Heka
 * messages in Hindsight framing, kept in segment files named by the offset
 * of their first record. An offset is a record's sequence number in the log.
 *
 * - append() acknowledges only once the records are fsynced. Appends that
 *   arrive while a write+fsync is in flight are gathered into the next one
 *   (group commit): one buffer, one write, one fsync per group.
 * - A failed write (ENOSPC, EIO...) is truncated back; the append is refused
 *   with LogFullError / LogWriteError and the log keeps working afterwards.
 * - On open, a torn record at the end of the last segment (a crash mid-write)
 *   is cut off; everything acknowledged before it is kept.
 * - Retention deletes whole oldest segments by total size and by age; the
 *   segment being written is never deleted.
 */
import { join, resolve } from 'node:path';
import { MAX_MESSAGE_SIZE, MessageError } from '../message/message';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock';
import { LogClosedError, writeFailure } from './errors';
import { fsyncDir, isNotFound, nodeLogFs, writeFully, type LogFs } from './log-fs';
import { SparseIndex } from './segment-index';
import {
  INDEX_SUFFIX,
  framedSize,
  indexFileName,
  parseSegmentFileName,
  scanRecords,
  segmentFileName,
  writeFramed,
  type CorruptSpan,
} from './segment-file';

export interface SegmentLogOptions {
  /** A segment is sealed and a new one started once it would grow past this. Default 64 MiB. */
  segmentBytes?: number;
  /** Delete oldest segments while the log is larger than this. Default 1 GiB. */
  retentionBytes?: number;
  /** Delete segments whose last write is older than this; 0 keeps them forever. Default 7 days. */
  retentionMs?: number;
  /** How often age retention is checked. Default 60 s (or retentionMs / 10 if smaller). */
  retentionCheckMs?: number;
  /** Sparse index spacing. Default 64 KiB. */
  indexIntervalBytes?: number;
  /** Most bytes gathered into one write+fsync; a single append is never split. Default 16 MiB. */
  maxCommitBytes?: number;
  /** File-system seam (tests inject failures here). */
  fs?: LogFs;
  /** Wall clock in ms, for retention. */
  now?: () => number;
}

/** One stored record: its offset and the encoded Heka protobuf (no framing). */
export interface LogRecord {
  offset: number;
  encoded: Uint8Array;
}

export interface AppendResult {
  /** Offset of the first record appended. */
  first: number;
  /** Offset of the last (first + count - 1; first - 1 when count is 0). */
  last: number;
  count: number;
}

export interface ReadOptions {
  /** Default 1000. */
  maxRecords?: number;
  /** Stop once this many message bytes are gathered (at least one record is returned). Default 8 MiB. */
  maxBytes?: number;
}

/** What open() found and repaired. */
export interface OpenReport {
  segments: number;
  /** Bytes cut from the end of the last segment (a torn or garbage tail). */
  truncatedBytes: number;
  /** Where the cut was made, in the last segment's file. */
  truncatedAt: number | undefined;
  /** Non-record spans skipped inside the last segment (not removed). */
  corrupt: CorruptSpan[];
}

export interface LogStats {
  firstOffset: number;
  nextOffset: number;
  segments: number;
  bytes: number;
  commits: number;
  fsyncs: number;
  recordsAppended: number;
  failedCommits: number;
  lastError: string | undefined;
  /** Appends waiting for the disk. */
  queuedRecords: number;
  queuedBytes: number;
}

interface Segment {
  first: number;
  path: string;
  /** Records committed (for sealed segments: the count the next segment's name implies). */
  count: number;
  /** Bytes committed (durable). */
  size: number;
  /** Loaded lazily for sealed segments. */
  index: SparseIndex | undefined;
  indexLoading: Promise<SparseIndex> | undefined;
  lastWriteMs: number;
  /** The read-write fd of the active segment; sealed segments are opened per read. */
  fd: number | undefined;
  fdUsers: number;
  sealed: boolean;
}

interface PendingAppend {
  records: readonly Uint8Array[];
  bytes: number;
  /** The records' framing back to back, when the caller has it (see append). */
  framed: Uint8Array | undefined;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

const DEFAULTS = {
  segmentBytes: 64 * 1024 * 1024,
  retentionBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 3600 * 1000,
  indexIntervalBytes: 64 * 1024,
  maxCommitBytes: 16 * 1024 * 1024,
};
const READ_CHUNK = 256 * 1024;

export class SegmentLog {
  readonly dir: string;
  readonly openReport: OpenReport;
  private readonly io: LogFs;
  private readonly now: () => number;
  private readonly opts: Required<Omit<SegmentLogOptions, 'fs' | 'now'>>;
  private segments: Segment[];
  private active: Segment;
  private next: number;
  private queue: PendingAppend[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private writing = false;
  private idleWaiters: (() => void)[] = [];
  /** A failed write may have left bytes past the active segment's size. */
  private tailDirty = false;
  private closed = false;
  private retentionTimer: NodeJS.Timeout | undefined;
  private counters = { commits: 0, fsyncs: 0, recordsAppended: 0, failedCommits: 0 };
  private lastError: string | undefined;
  /** This process's hold on the directory (data-dir-lock.ts), given up by close(). */
  private lock: DataDirLock | undefined;

  private constructor(
    dir: string,
    io: LogFs,
    now: () => number,
    opts: SegmentLog['opts'],
    segments: Segment[],
    report: OpenReport,
  ) {
    this.dir = dir;
    this.io = io;
    this.now = now;
    this.opts = opts;
    this.segments = segments;
    this.active = segments[segments.length - 1];
    this.next = this.active.first + this.active.count;
    this.openReport = report;
  }

  /** Open (or create) the log in `dir`, repairing a torn tail. */
  static async open(dir: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
    dir = resolve(dir);
    const io = options.fs ?? nodeLogFs;
    const now = options.now ?? Date.now;
    const opts = {
      segmentBytes: positive(options.segmentBytes, DEFAULTS.segmentBytes, 'segmentBytes'),
      retentionBytes: positive(options.retentionBytes, DEFAULTS.retentionBytes, 'retentionBytes'),
      retentionMs: nonNegative(options.retentionMs, DEFAULTS.retentionMs, 'retentionMs'),
      retentionCheckMs: 0,
      indexIntervalBytes: positive(options.indexIntervalBytes, DEFAULTS.indexIntervalBytes, 'indexIntervalBytes'),
      maxCommitBytes: positive(options.maxCommitBytes, DEFAULTS.maxCommitBytes, 'maxCommitBytes'),
    };
    // Index positions are 32-bit; leave room for the commit that ends a segment.
    if (opts.segmentBytes > 1024 ** 3) throw new RangeError(`segmentBytes must be at most 1 GiB, got ${opts.segmentBytes}`);
    opts.retentionCheckMs = positive(
      options.retentionCheckMs,
      opts.retentionMs > 0 ? Math.min(60_000, Math.max(10, opts.retentionMs / 10)) : 60_000,
      'retentionCheckMs',
    );

    await io.mkdir(dir);
    const lock = await acquireDataDirLock(io, dir);
    try {
      const { segments, report } = await loadSegments(io, dir, opts.indexIntervalBytes, now);
      const log = new SegmentLog(dir, io, now, opts, segments, report);
      log.lock = lock;
      log.retentionTimer = setInterval(() => {
        log.applyRetention().catch(() => undefined);
      }, opts.retentionCheckMs);
      log.retentionTimer.unref();
      await log.applyRetention();
      return log;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Oldest offset still retained. */
  get firstOffset(): number {
    return this.segments[0].first;
  }

  /** The offset the next appended record will get; everything below it is durable. */
  get nextOffset(): number {
    return this.next;
  }

  /**
   * Append encoded messages (unframed Heka protobuf) as one batch; resolves
   * with their offsets once they are on disk (fsynced). A batch is written
   * whole or refused whole.
   *
   * `framed`, when given, must be exactly what framing each record would
   * write, back to back (a framed HTTP body with canonical headers, as
   * ingest checks): it is copied whole instead of framing record by record
   * (one copy instead of a million). One of the wrong length is ignored.
   */
  append(records: readonly Uint8Array[], framed?: Uint8Array): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new LogClosedError());
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const len = records[i].length;
      if (len === 0 || len > MAX_MESSAGE_SIZE) {
        return Promise.reject(
          new MessageError(
            len === 0 ? 'empty record' : `record is ${len} bytes, more than the ${MAX_MESSAGE_SIZE} byte maximum`,
            `records[${i}]`,
          ),
        );
      }
      bytes += framedSize(len);
    }
    if (records.length === 0) return Promise.resolve({ first: this.next, last: this.next - 1, count: 0 });
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ records, bytes, framed: framed?.length === bytes ? framed : undefined, resolve, reject });
      this.queuedRecords += records.length;
      this.queuedBytes += bytes;
      if (!this.writing) {
        this.writing = true;
        // Start on the next microtask so appends made in the same tick share the first write.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  /**
   * Records from `from` on (or from the oldest retained offset, when `from`
   * was deleted by retention), in order, only acknowledged ones.
   */
  async read(from: number, options: ReadOptions = {}): Promise<LogRecord[]> {
    const maxRecords = options.maxRecords ?? 1000;
    const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    const out: LogRecord[] = [];
    const state = { bytes: 0 };
    let offset = Math.max(Math.floor(from), this.firstOffset);
    while (out.length < maxRecords && state.bytes < maxBytes && offset < this.next && !this.closed) {
      const segs = this.segments;
      if (offset < segs[0].first) offset = segs[0].first;
      const i = findSegment(segs, offset);
      const limit = i + 1 < segs.length ? segs[i + 1].first : this.next;
      offset = await this.readSegment(segs[i], offset, limit, out, maxRecords, maxBytes, state);
    }
    return out;
  }

  /** Delete oldest segments beyond the size and age limits; returns how many were deleted. */
  async applyRetention(): Promise<number> {
    const segs = this.segments;
    let total = 0;
    for (const s of segs) total += s.size;
    const now = this.now();
    let drop = 0;
    while (drop < segs.length - 1) {
      const s = segs[drop];
      const tooBig = total > this.opts.retentionBytes;
      const tooOld = this.opts.retentionMs > 0 && now - s.lastWriteMs > this.opts.retentionMs;
      if (!tooBig && !tooOld) break;
      total -= s.size;
      drop++;
    }
    if (drop === 0) return 0;
    const gone = segs.slice(0, drop);
    this.segments = segs.slice(drop);
    for (const s of gone) {
      await this.io.unlink(s.path).catch(() => undefined);
      await this.io.unlink(join(this.dir, indexFileName(s.first))).catch(() => undefined);
    }
    await fsyncDir(this.io, this.dir).catch(() => undefined);
    return drop;
  }

  stats(): LogStats {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size;
    return {
      firstOffset: this.firstOffset,
      nextOffset: this.next,
      segments: this.segments.length,
      bytes,
      ...this.counters,
      lastError: this.lastError,
      queuedRecords: this.queuedRecords,
      queuedBytes: this.queuedBytes,
    };
  }

  /** Write everything queued, then close. Appends after close are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    if (this.writing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // A read in flight on the active segment closes the fd when it finishes.
    this.active.sealed = true;
    if (this.active.fdUsers === 0) {
      const fd = this.active.fd;
      this.active.fd = undefined;
      if (fd !== undefined) await this.io.close(fd).catch(() => undefined);
    }
    await this.lock?.release();
  }

  // --- writing -------------------------------------------------------------

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Gather what fits in the active segment (or a fresh one, when the
        // first append does not fit and commit() will roll), so segments stay
        // near segmentBytes; an append larger than that still goes whole.
        const firstBytes = this.queue[0].bytes;
        const size = this.active.size;
        const room = size > 0 && size + firstBytes > this.opts.segmentBytes ? this.opts.segmentBytes : this.opts.segmentBytes - size;
        const limit = Math.min(this.opts.maxCommitBytes, Math.max(room, firstBytes));
        let bytes = 0;
        let n = 0;
        while (n < this.queue.length && (n === 0 || bytes + this.queue[n].bytes <= limit)) {
          bytes += this.queue[n].bytes;
          n++;
        }
        const group = this.queue.splice(0, n);
        await this.commit(group, bytes);
      }
    } finally {
      this.writing = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private async commit(group: PendingAppend[], bytes: number): Promise<void> {
    let records = 0;
    for (const g of group) records += g.records.length;
    const settle = () => {
      this.queuedRecords -= records;
      this.queuedBytes -= bytes;
    };
    const fail = (err: unknown, what: string) => {
      settle();
      const e = writeFailure(err, what);
      this.counters.failedCommits++;
      this.lastError = e.message;
      for (const g of group) g.reject(e);
    };

    let rolled = false;
    let stage = `repairing the tail of ${this.active.path}`;
    try {
      if (this.tailDirty) {
        await this.io.ftruncate(this.activeFd(), this.active.size);
        this.tailDirty = false;
      }
      if (this.active.size > 0 && this.active.size + bytes > this.opts.segmentBytes) {
        stage = `starting segment ${segmentFileName(this.next)}`;
        await this.roll();
        rolled = true;
      }
    } catch (err) {
      fail(err, stage);
      return;
    }

    const seg = this.active;
    const index = seg.index as SparseIndex;
    const base = seg.size;
    const buf = Buffer.allocUnsafeSlow(bytes);
    let pos = 0;
    let rel = seg.count;
    for (const g of group) {
      if (g.framed !== undefined) {
        buf.set(g.framed, pos);
        for (const r of g.records) {
          index.note(rel++, base + pos);
          pos += framedSize(r.length);
        }
        continue;
      }
      for (const r of g.records) {
        index.note(rel++, base + pos);
        pos = writeFramed(buf, pos, r);
      }
    }
    const fd = this.activeFd();
    try {
      await writeFully(this.io, fd, buf, base);
      await this.io.fsync(fd);
      this.counters.fsyncs++;
    } catch (err) {
      index.truncate(base);
      try {
        await this.io.ftruncate(fd, base);
      } catch {
        this.tailDirty = true; // retried before the next write
      }
      fail(err, `appending ${records} records to ${seg.path}`);
      return;
    }
    seg.size = base + bytes;
    seg.count = rel;
    seg.lastWriteMs = this.now();
    this.counters.commits++;
    this.counters.recordsAppended += records;
    settle();
    let first = this.next;
    this.next = seg.first + seg.count;
    for (const g of group) {
      const n = g.records.length;
      g.resolve({ first, last: first + n - 1, count: n });
      first += n;
    }
    if (rolled) await this.applyRetention().catch(() => undefined);
  }

  private activeFd(): number {
    if (this.active.fd === undefined) throw new LogClosedError();
    return this.active.fd;
  }

  /** Seal the active segment and start a new one named by the next offset. */
  private async roll(): Promise<void> {
    const old = this.active;
    const path = join(this.dir, segmentFileName(this.next));
    // Any file already at this name holds no acknowledged record (its offsets
    // are not assigned yet): a leftover of a roll that failed. Truncate it.
    const fd = await this.io.open(path, 'w+');
    try {
      await fsyncDir(this.io, this.dir);
    } catch (err) {
      await this.io.close(fd).catch(() => undefined);
      await this.io.unlink(path).catch(() => undefined);
      throw err;
    }
    const seg: Segment = {
      first: this.next,
      path,
      count: 0,
      size: 0,
      index: new SparseIndex(this.opts.indexIntervalBytes),
      indexLoading: undefined,
      lastWriteMs: this.now(),
      fd,
      fdUsers: 0,
      sealed: false,
    };
    this.segments = [...this.segments, seg];
    this.active = seg;
    old.sealed = true;
    old.lastWriteMs = this.now();
    if (old.fdUsers === 0) this.closeSealedFd(old);
    // The index is a cache (checked by CRC and size on load), so no fsync.
    const idx = join(this.dir, indexFileName(old.first));
    const data = (old.index as SparseIndex).serialize(old.size, old.count);
    await writeIndexFile(this.io, idx, data).catch(() => undefined);
  }

  private closeSealedFd(seg: Segment): void {
    const fd = seg.fd;
    seg.fd = undefined;
    if (fd !== undefined) void this.io.close(fd).catch(() => undefined);
  }

  // --- reading -------------------------------------------------------------

  /** Read records [from, limit) of one segment into out; returns the offset to continue at. */
  private async readSegment(
    seg: Segment,
    from: number,
    limit: number,
    out: LogRecord[],
    maxRecords: number,
    maxBytes: number,
    state: { bytes: number },
  ): Promise<number> {
    const index = await this.segmentIndex(seg);
    if (!index) return limit; // deleted meanwhile
    const start = index.floor(from - seg.first);
    const end = seg.size; // committed bytes only
    let offset = seg.first + start.relOffset;
    let resume = limit;
    const visit = (encoded: Uint8Array): boolean => {
      const o = offset++;
      if (o >= limit) {
        resume = limit;
        return false;
      }
      if (o < from) return true;
      out.push({ offset: o, encoded });
      state.bytes += encoded.length;
      resume = o + 1;
      return out.length < maxRecords && state.bytes < maxBytes;
    };
    const done = await this.withFd(seg, (fd) => scanRecords(this.io, fd, start.position, end, visit, READ_CHUNK));
    if (done === undefined) return limit;
    // Scanned to the end of the segment without reaching `limit`: fewer
    // records than its name range says (a damaged sealed segment); skip on.
    if (resume < limit && out.length < maxRecords && state.bytes < maxBytes) return limit;
    return resume;
  }

  /** Run fn with an fd for seg: the active segment's, or a fresh read-only one (undefined if the file is gone). */
  private async withFd<T>(seg: Segment, fn: (fd: number) => Promise<T>): Promise<T | undefined> {
    if (seg.fd !== undefined) {
      const fd = seg.fd;
      seg.fdUsers++;
      try {
        return await fn(fd);
      } finally {
        seg.fdUsers--;
        if (seg.sealed && seg.fdUsers === 0) this.closeSealedFd(seg);
      }
    }
    let fd: number;
    try {
      fd = await this.io.open(seg.path, 'r');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      return await fn(fd);
    } finally {
      await this.io.close(fd).catch(() => undefined);
    }
  }

  /** The sparse index of a segment: in memory, from its .idx file, or rebuilt by a scan. */
  private segmentIndex(seg: Segment): Promise<SparseIndex | undefined> {
    if (seg.index) return Promise.resolve(seg.index);
    if (!seg.indexLoading) {
      seg.indexLoading = this.loadIndex(seg).then(
        (index) => {
          seg.index = index;
          seg.indexLoading = undefined;
          return index;
        },
        (err) => {
          seg.indexLoading = undefined;
          throw err;
        },
      );
    }
    return seg.indexLoading.catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  }

  private async loadIndex(seg: Segment): Promise<SparseIndex> {
    const interval = this.opts.indexIntervalBytes;
    try {
      const data = await this.io.readFile(join(this.dir, indexFileName(seg.first)));
      const parsed = SparseIndex.parse(data, seg.size, interval);
      if (parsed) return parsed.index;
    } catch {
      // missing or unreadable: rebuild below
    }
    const index = new SparseIndex(interval);
    let rel = 0;
    const done = await this.withFd(seg, (fd) =>
      scanRecords(this.io, fd, 0, seg.size, (_enc, pos) => {
        index.note(rel++, pos);
        return true;
      }),
    );
    if (done === undefined) throw Object.assign(new Error(`${seg.path} was deleted`), { code: 'ENOENT' });
    await writeIndexFile(this.io, join(this.dir, indexFileName(seg.first)), index.serialize(seg.size, rel)).catch(
      () => undefined,
    );
    return index;
  }
}

// --- open --------------------------------------------------------------------

async function loadSegments(
  io: LogFs,
  dir: string,
  indexInterval: number,
  now: () => number,
): Promise<{ segments: Segment[]; report: OpenReport }> {
  const names = await io.readdir(dir);
  const firsts: number[] = [];
  const logNames = new Set<string>();
  for (const name of names) {
    const first = parseSegmentFileName(name);
    if (first !== undefined) {
      firsts.push(first);
      logNames.add(name);
    }
  }
  // Leftovers of interrupted renames, and indexes whose segment retention removed.
  for (const name of names) {
    const orphanIndex = name.endsWith(INDEX_SUFFIX) && !logNames.has(name.slice(0, -INDEX_SUFFIX.length) + '.log');
    if (name.endsWith('.tmp') || orphanIndex) await io.unlink(join(dir, name)).catch(() => undefined);
  }
  firsts.sort((a, b) => a - b);
  const report: OpenReport = { segments: 0, truncatedBytes: 0, truncatedAt: undefined, corrupt: [] };

  if (firsts.length === 0) {
    const path = join(dir, segmentFileName(0));
    const fd = await io.open(path, 'w+');
    await fsyncDir(io, dir);
    report.segments = 1;
    return {
      segments: [activeSegment(0, path, fd, 0, 0, new SparseIndex(indexInterval), now())],
      report,
    };
  }

  const segments: Segment[] = [];
  for (let i = 0; i < firsts.length - 1; i++) {
    const path = join(dir, segmentFileName(firsts[i]));
    const st = await io.stat(path);
    segments.push({
      first: firsts[i],
      path,
      count: firsts[i + 1] - firsts[i],
      size: st.size,
      index: undefined,
      indexLoading: undefined,
      lastWriteMs: st.mtimeMs,
      fd: undefined,
      fdUsers: 0,
      sealed: true,
    });
  }

  // The last segment is the only one a crash can leave torn: scan it whole.
  const first = firsts[firsts.length - 1];
  const path = join(dir, segmentFileName(first));
  const fd = await io.open(path, 'r+');
  try {
    const st = await io.fstat(fd);
    const index = new SparseIndex(indexInterval);
    let count = 0;
    const scan = await scanRecords(io, fd, 0, st.size, (_enc, pos) => {
      index.note(count++, pos);
      return true;
    });
    report.corrupt = scan.corrupt;
    if (scan.lastGoodEnd < st.size) {
      report.truncatedAt = scan.lastGoodEnd;
      report.truncatedBytes = st.size - scan.lastGoodEnd;
      await io.ftruncate(fd, scan.lastGoodEnd);
      await io.fsync(fd);
    }
    segments.push(activeSegment(first, path, fd, count, scan.lastGoodEnd, index, st.mtimeMs));
  } catch (err) {
    await io.close(fd).catch(() => undefined);
    throw err;
  }
  report.segments = segments.length;
  return { segments, report };
}

function activeSegment(
  first: number,
  path: string,
  fd: number,
  count: number,
  size: number,
  index: SparseIndex,
  lastWriteMs: number,
): Segment {
  return { first, path, count, size, index, indexLoading: undefined, lastWriteMs, fd, fdUsers: 0, sealed: false };
}

/** Index of the last segment whose first offset is <= offset. */
function findSegment(segs: Segment[], offset: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segs[mid].first <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

async function writeIndexFile(io: LogFs, path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await io.open(tmp, 'w');
  try {
    await writeFully(io, fd, data, 0);
  } finally {
    await io.close(fd);
  }
  await io.rename(tmp, path);
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

function nonNegative(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be 0 or more, got ${v}`);
  return v;
}
