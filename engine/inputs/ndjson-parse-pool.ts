/**
 * NdjsonParsePool: parses large NDJSON bodies on a few worker threads, so a
 * big HTTP ingest neither blocks the caller's event loop for its whole parse
 * nor is limited to one core.
 *
 * - parse(body) gives exactly what parseNdjsonRecords(body) gives: the same
 *   records, line numbers and rejections, in input order.
 * - Small bodies (up to `localBelowBytes`) are parsed on the calling thread:
 *   the hop to a worker costs more than it saves.
 * - A large body is cut after newlines into pieces (1 MiB at most), parsed by
 *   the workers (each piece comes back as one transferred buffer) and joined
 *   in order. A few pieces are out at a time, the next copied and sent as one
 *   comes back, so no turn of the caller's event loop handles the whole body.
 * - A worker that crashes, or a reply that is not whole and consistent, is
 *   not trusted: that piece is parsed again on the calling thread. Nothing is
 *   appended until every piece is in (the caller appends once), so nothing
 *   is lost or doubled. Three crashes in a row without a good reply turn the
 *   workers off for good (everything then parses on the calling thread).
 * - Workers start lazily on the first large body and are reused; an idle
 *   worker does not keep the process alive (unref); close() stops them.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-script';
import { parseNdjsonRecords, type NdjsonOptions, type NdjsonRecordsResult } from './ndjson';
import type { PieceReply, PieceRequest, WorkerReady } from './ndjson-parse-protocol';
import { parsePiece, PieceJoiner, splitAtNewlines, unpackPiece, type ParsedPiece, type PieceOptions } from './ndjson-piece';

export interface NdjsonParsePoolOptions {
  /**
   * Parse workers; 0 parses everything on the calling thread. Default
   * min(2, cores). (The server sets it from FORESIGHT_INGEST_THREADS, which
   * lib/env.ts validates with the rest of its configuration.)
   */
  threads?: number;
  /** Bodies of at most this many bytes (UTF-16 units for text) are parsed on the calling thread. Default 256 KiB. */
  localBelowBytes?: number;
  /** Largest piece one worker parses at a time. Default 1 MiB. */
  maxPieceBytes?: number;
  /** The worker's entry module (tests substitute faulty ones). Default ./ndjson-parse-worker.ts. */
  workerEntry?: URL;
}

export interface NdjsonParsePoolStats {
  threads: number;
  /** Workers alive now. */
  running: number;
  /** Pieces parsed by workers. */
  piecesThreaded: number;
  /** Pieces a worker failed (crash, error, inconsistent reply) and the calling thread parsed instead. */
  fallbacks: number;
  /** Workers that died while in use. */
  crashes: number;
  /** Why the workers were turned off, if they were. */
  disabled?: string;
}

/** Pieces parsed on the calling thread between turns of the event loop. */
export const LOCAL_SLICE_BYTES = 256 * 1024;
const MIN_PIECE_BYTES = 128 * 1024;
const MAX_CONSECUTIVE_CRASHES = 3;
const WORKER_ENTRY = new URL('./ndjson-parse-worker.ts', import.meta.url);

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class NdjsonParsePool {
  readonly threads: number;
  private readonly localBelowBytes: number;
  private readonly maxPieceBytes: number;
  private readonly workerEntry: URL;
  private readonly workers: ParseWorker[] = [];
  private closed = false;
  private consecutiveCrashes = 0;
  private counters = { piecesThreaded: 0, fallbacks: 0, crashes: 0 };
  private disabled: string | undefined;
  private nextId = 1;

  constructor(options: NdjsonParsePoolOptions = {}) {
    const threads = options.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a whole number >= 0, got ${threads}`);
    this.threads = threads;
    this.localBelowBytes = options.localBelowBytes ?? 256 * 1024;
    this.maxPieceBytes = Math.max(1, options.maxPieceBytes ?? 1024 * 1024);
    this.workerEntry = options.workerEntry ?? WORKER_ENTRY;
  }

  /** Parse a body: the same result as parseNdjsonRecords(body, options). */
  async parse(body: string | Uint8Array, options: NdjsonOptions = {}): Promise<NdjsonRecordsResult> {
    if (body.length <= this.localBelowBytes) return parseNdjsonRecords(body, options);
    if (this.threads === 0 || this.closed || this.disabled !== undefined) return parseNdjsonInSlices(body, options);
    if (!this.workers.some((w) => w.ready)) {
      this.startWorkers();
      return parseNdjsonInSlices(body, options);
    }

    const pieceBytes = Math.min(this.maxPieceBytes, Math.max(MIN_PIECE_BYTES, Math.ceil(body.length / (2 * this.threads))));
    const cuts = splitAtNewlines(body, pieceBytes);
    const pieces = cuts.map(() => {
      let resolve!: (p: Promise<ParsedPiece>) => void;
      const promise = new Promise<ParsedPiece>((r) => (resolve = r));
      // Should one piece throw, the later ones must not surface as unhandled rejections.
      promise.catch(() => undefined);
      return { promise, resolve };
    });
    // A few pieces out at a time, the next one sent as each comes back: each
    // piece is copied for its worker just before it goes, so no single turn
    // of the caller's event loop copies the whole body.
    const window = 2 * this.threads;
    let sent = 0;
    let settled = 0;
    const pump = () => {
      while (sent < cuts.length && sent - settled < window) {
        const k = sent++;
        const [start, end] = cuts[k];
        const pieceOptions = optionsFor(options, k > 0);
        // The worker gets its own copy (transferred): the caller's buffer stays whole for the fallback.
        const copy = typeof body === 'string' ? body.slice(start, end) : copyBytes(body, start, end);
        const parsed = this.parseOnWorker(copy, pieceOptions).catch(async () => {
          this.counters.fallbacks++;
          await yieldToEventLoop();
          return parsePiece(typeof body === 'string' ? body.slice(start, end) : body.subarray(start, end), pieceOptions);
        });
        pieces[k].resolve(parsed);
        void parsed.finally(() => {
          settled++;
          pump();
        }).catch(() => undefined);
      }
    };
    pump();
    const joiner = new PieceJoiner(options.firstLine ?? 1, options.maxRejections ?? 1000);
    for (const piece of pieces) joiner.add(await piece.promise);
    return joiner.result;
  }

  stats(): NdjsonParsePoolStats {
    const s: NdjsonParsePoolStats = { threads: this.threads, running: this.workers.length, ...this.counters };
    if (this.disabled !== undefined) s.disabled = this.disabled;
    return s;
  }

  /** Stop the workers; parses under way finish on the calling thread, later ones run there too. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private parseOnWorker(piece: string | Uint8Array, options: PieceOptions): Promise<ParsedPiece> {
    if (this.closed || this.disabled !== undefined) return Promise.reject(new Error('parse workers are off'));
    let worker: ParseWorker;
    try {
      worker = this.pickWorker();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return worker.parse({ id: this.nextId++, piece, options }).then((parsed) => {
      this.consecutiveCrashes = 0;
      this.counters.piecesThreaded++;
      return parsed;
    });
  }

  /**
   * Resolves once a worker is ready to parse (false when none can be: the
   * pool is off, closed or its workers keep dying). Starts them if needed.
   */
  async warmUp(): Promise<boolean> {
    for (;;) {
      if (this.threads === 0 || this.closed || this.disabled !== undefined) return false;
      this.startWorkers();
      if (this.workers.some((w) => w.ready)) return true;
      // The caller waits for them: keep the process alive meanwhile.
      const waiting = [...this.workers];
      for (const w of waiting) w.hold();
      try {
        await Promise.race(waiting.map((w) => w.loaded));
      } finally {
        for (const w of waiting) w.release();
      }
    }
  }

  private startWorkers(): void {
    try {
      while (this.workers.length < this.threads) {
        const w: ParseWorker = new ParseWorker(this.workerEntry, this.workers.length, (reason) => this.lost(w, reason));
        this.workers.push(w);
      }
    } catch (err) {
      this.disabled = `a parse worker could not be started: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** The least loaded ready worker (a ready one exists whenever parse() sends pieces out). */
  private pickWorker(): ParseWorker {
    let best: ParseWorker | undefined;
    for (const w of this.workers) if (w.ready && (!best || w.load < best.load)) best = w;
    if (!best) throw new Error('no parse worker is ready');
    return best;
  }

  private lost(w: ParseWorker, reason: string): void {
    const i = this.workers.indexOf(w);
    if (i !== -1) this.workers.splice(i, 1);
    if (this.closed) return;
    this.counters.crashes++;
    if (++this.consecutiveCrashes >= MAX_CONSECUTIVE_CRASHES && this.disabled === undefined) {
      this.disabled = `${this.consecutiveCrashes} parse workers in a row died (last: ${reason})`;
      for (const other of this.workers.splice(0)) void other.terminate();
    }
  }
}

/** One worker thread and the pieces it has been given. */
class ParseWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (p: ParsedPiece) => void; reject: (e: Error) => void; bytes: number }>();
  /** Bytes given and not yet answered. */
  load = 0;
  /** Its modules are loaded. */
  ready = false;
  /** Settles when the worker is ready or gone. */
  readonly loaded: Promise<void>;
  private markLoaded!: () => void;
  private dead = false;
  private holds = 0;

  constructor(
    entry: URL,
    index: number,
    private readonly onLost: (reason: string) => void,
  ) {
    this.loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));
    this.worker = startWorker(entry, { name: `foresight-ndjson-parse-${index}` });
    this.worker.on('message', (reply: PieceReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.die(`the parse worker failed: ${err.message}`));
    this.worker.on('exit', (code) => this.die(`the parse worker exited with code ${code}`));
    // A reply that cannot be deserialized cannot be matched to its piece: give up on the worker.
    this.worker.on('messageerror', () => void this.worker.terminate());
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  parse(request: PieceRequest): Promise<ParsedPiece> {
    if (this.dead) return Promise.reject(new Error('the parse worker is gone'));
    return new Promise((resolve, reject) => {
      const bytes = request.piece.length;
      this.pending.set(request.id, { resolve, reject, bytes });
      this.load += bytes;
      this.hold(); // until the answer is in
      const transfer = typeof request.piece === 'string' ? [] : [request.piece.buffer as ArrayBuffer];
      this.worker.postMessage(request, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private onReply(reply: PieceReply | WorkerReady): void {
    if (reply !== null && typeof reply === 'object' && 'ready' in reply) {
      this.ready = true;
      this.markLoaded();
      return;
    }
    const p = this.pending.get(reply?.id);
    if (!p) return;
    this.settle(reply.id, p.bytes);
    if ('error' in reply) return p.reject(new Error(`the parse worker failed on a piece: ${reply.error}`));
    const parsed = unpackPiece(reply.packed);
    if (typeof parsed === 'string') return p.reject(new Error(`the parse worker's reply is inconsistent: ${parsed}`));
    p.resolve(parsed);
  }

  private settle(id: number, bytes: number): void {
    this.pending.delete(id);
    this.load -= bytes;
    this.release();
  }

  /** Keep the process alive while someone waits on this worker (an idle worker does not). */
  hold(): void {
    if (this.holds++ === 0) this.worker.ref();
  }

  release(): void {
    if (--this.holds === 0) this.worker.unref();
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.ready = false;
    this.markLoaded();
    const lost = new Error(reason);
    for (const [id, p] of [...this.pending]) {
      this.settle(id, p.bytes);
      p.reject(lost);
    }
    this.onLost(reason);
  }
}

/**
 * Parse on the calling thread a slice at a time, yielding to the event loop
 * between slices, so a large body does not stall it for its whole parse.
 */
export async function parseNdjsonInSlices(body: string | Uint8Array, options: NdjsonOptions = {}): Promise<NdjsonRecordsResult> {
  if (body.length <= LOCAL_SLICE_BYTES) return parseNdjsonRecords(body, options);
  const joiner = new PieceJoiner(options.firstLine ?? 1, options.maxRejections ?? 1000);
  const cuts = splitAtNewlines(body, LOCAL_SLICE_BYTES);
  for (let k = 0; k < cuts.length; k++) {
    if (k > 0) await yieldToEventLoop();
    const [start, end] = cuts[k];
    const piece = typeof body === 'string' ? body.slice(start, end) : body.subarray(start, end);
    joiner.add(parsePiece(piece, optionsFor(options, k > 0)));
  }
  return joiner.result;
}

function optionsFor(options: NdjsonOptions, continuation: boolean): PieceOptions {
  const o: PieceOptions = { continuation };
  if (options.maxLineBytes !== undefined) o.maxLineBytes = options.maxLineBytes;
  if (options.maxRejections !== undefined) o.maxRejections = options.maxRejections;
  if (options.refuseEngineLoggers !== undefined) o.refuseEngineLoggers = options.refuseEngineLoggers;
  return o;
}

function copyBytes(body: Uint8Array, start: number, end: number): Uint8Array {
  // ArrayBuffer.slice copies in one pass (no zero-fill first); a shared buffer cannot be transferred.
  if (body.buffer instanceof ArrayBuffer) return new Uint8Array(body.buffer.slice(body.byteOffset + start, body.byteOffset + end));
  const copy = new Uint8Array(end - start);
  copy.set(body.subarray(start, end));
  return copy;
}

function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

let shared: NdjsonParsePool | undefined;
let sharedOptions: NdjsonParsePoolOptions = {};

/** The process-wide pool ingestNdjson uses by default (created on first use; workers start on the first large body). */
export function sharedNdjsonParsePool(): NdjsonParsePool {
  return (shared ??= new NdjsonParsePool(sharedOptions));
}

/** Set the shared pool's options (e.g. threads) for its next start; stops the current one. */
export async function configureNdjsonParsePool(options: NdjsonParsePoolOptions): Promise<void> {
  sharedOptions = { ...options };
  await closeNdjsonParsePool();
}

/** Stop the shared pool's workers (an engine's stop); the next large ingest starts a fresh pool. */
export async function closeNdjsonParsePool(): Promise<void> {
  const old = shared;
  shared = undefined;
  await old?.close();
}
