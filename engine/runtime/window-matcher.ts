/**
 * Run Matcher: one matcher over the stream's in-memory window, newest first,
 * in a worker thread so the caller's event loop never waits on a costly
 * pattern, with a wall-clock budget per request and at most one scan
 * running per owner (a FairWorkerPool with no queue: a second request from
 * the same owner is refused with PoolBusyError rather than cancelling the
 * first, so repeating a request cannot make the server start and kill
 * workers in a loop).
 *
 * The window goes to the worker in chunks of encoded records (copied a
 * chunk at a time, so no turn of the caller's loop copies the whole
 * window); the worker writes its progress (scanned, matched, the page's
 * positions) into shared memory as it goes. When the budget runs out the
 * worker is told to stop; if it does not within a short grace (stuck
 * inside one evaluation), it is terminated and replaced. Either way the
 * answer holds what was scanned, with `cutShort` saying how far it got.
 */
import { availableParallelism } from 'node:os';
import type { LogEntry } from '../log';
import { compileMatcher } from '../matcher';
import { FairWorkerPool, PoolWaitError, type WorkerLease } from './fair-worker-pool';
import { ScanCell, type ScanReply } from './matcher-scan-protocol';
import { packRecords } from './worker-protocol';

const ENTRY = new URL('./matcher-scan-worker.ts', import.meta.url);

/** Budget of one Run Matcher request, unless the caller says otherwise. */
export const DEFAULT_MATCHER_BUDGET_MS = 5_000;
/** Records per chunk sent to the worker. */
const CHUNK = 4096;
/** Chunks outstanding at the worker. */
const IN_FLIGHT = 2;
/** How long a worker told to stop may take to notice before it is terminated. */
const STOP_GRACE_MS = 250;

export interface WindowMatchRequest {
  /** Whose scan it is: at most one runs per owner. */
  owner: string;
  matcher: string;
  /** The page of matches wanted: matches[offset, offset + limit), newest first. */
  offset: number;
  limit: number;
  /** Wall-clock budget, ms (waiting for a free worker included). Default DEFAULT_MATCHER_BUDGET_MS. */
  budgetMs?: number;
  /** Abort (the client went away): the scan stops as if its budget ran out. */
  signal?: AbortSignal;
}

export interface WindowMatch {
  /** Messages in the window when the scan began. */
  total: number;
  /** How many of them were evaluated (all of them unless cutShort). */
  scanned: number;
  /** How many of those matched. */
  matched: number;
  offset: number;
  /** The page's entries, newest first. */
  entries: LogEntry[];
  elapsedMs: number;
  /** Set when the scan stopped before the end of the window: why, in words. */
  cutShort?: { reason: 'budget' | 'aborted' | 'busy' | 'failed'; message: string };
}

export interface WindowMatcherOptions {
  /** Scan worker threads. Default min(2, cores). */
  workers?: number;
  budgetMs?: number;
  /** The worker module (tests only: a fixture that stands in for a stuck evaluation). */
  workerEntry?: URL;
}

export class WindowMatcher {
  private readonly pool: FairWorkerPool;
  private readonly budgetMs: number;

  constructor(
    private readonly window: () => LogEntry[],
    options: WindowMatcherOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? DEFAULT_MATCHER_BUDGET_MS;
    this.pool = new FairWorkerPool({
      entry: options.workerEntry ?? ENTRY,
      name: 'foresight-run-matcher',
      size: options.workers ?? Math.max(1, Math.min(2, availableParallelism())),
      perOwnerRunning: 1,
      perOwnerQueued: 0,
    });
  }

  /**
   * Scan the window. Throws MatcherError (with its position) for a malformed
   * matcher, PoolBusyError when the owner already has a scan running.
   */
  async run(request: WindowMatchRequest): Promise<WindowMatch> {
    compileMatcher(request.matcher); // syntax errors here, with their position, before any worker is involved
    const started = performance.now();
    const budgetMs = request.budgetMs ?? this.budgetMs;
    const deadline = started + budgetMs;
    const limit = Math.max(0, Math.floor(request.limit));
    const offset = Math.max(0, Math.floor(request.offset));
    try {
      return await this.pool.run(request.owner, 'Run Matcher', (lease) => this.scan(lease, request, offset, limit, started, deadline, budgetMs), {
        waitUntil: deadline,
      });
    } catch (err) {
      if (!(err instanceof PoolWaitError)) throw err;
      return {
        total: this.window().length,
        scanned: 0,
        matched: 0,
        offset,
        entries: [],
        elapsedMs: performance.now() - started,
        cutShort: { reason: 'busy', message: `Not run: every matcher worker was busy with other people's scans for the whole ${seconds(budgetMs)} s budget. Try again.` },
      };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async scan(
    lease: Lease,
    request: WindowMatchRequest,
    offset: number,
    limit: number,
    started: number,
    deadline: number,
    budgetMs: number,
  ): Promise<WindowMatch> {
    const entries = this.window();
    const total = entries.length;
    const buffer = new SharedArrayBuffer(4 * (ScanCell.Page + limit));
    const cells = new Int32Array(buffer);
    let cutShort: WindowMatch['cutShort'];

    // The request's abort ends the scan early, as its budget would.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (request.signal?.aborted) resolve('aborted');
    });
    request.signal?.addEventListener('abort', onAbort!, { once: true });
    try {
      const begun = await lease.call<ScanReply>({ t: 'scan', matcher: request.matcher, offset, limit, cells: buffer }, [], deadline);
      if (begun === 'timeout' || begun instanceof Error) {
        lease.discard();
        cutShort = failed(begun, budgetMs);
      } else if (begun.t === 'scan-failed') {
        throw new Error(`Run Matcher failed: ${begun.error}`);
      } else {
        cutShort = await this.feed(lease, begun.id, entries, cells, deadline, budgetMs, aborted);
      }
    } finally {
      request.signal?.removeEventListener('abort', onAbort!);
    }

    const scanned = Atomics.load(cells, ScanCell.Scanned);
    const matched = Atomics.load(cells, ScanCell.Matched);
    const pageCount = Math.min(limit, Atomics.load(cells, ScanCell.PageCount));
    const page: LogEntry[] = [];
    for (let k = 0; k < pageCount; k++) page.push(entries[total - 1 - Atomics.load(cells, ScanCell.Page + k)]);
    if (cutShort && cutShort.reason !== 'failed') {
      cutShort.message = `${cutShort.message}: scanned ${scanned} of ${total} messages (the newest first); ${matched} of those matched.`;
    }
    return { total, scanned, matched, offset, entries: page, elapsedMs: performance.now() - started, ...(cutShort ? { cutShort } : {}) };
  }

  /** Send the window chunk by chunk; returns why it stopped early, or undefined when it scanned everything. */
  private async feed(
    lease: Lease,
    scanId: number,
    entries: LogEntry[],
    cells: Int32Array,
    deadline: number,
    budgetMs: number,
    aborted: Promise<'aborted'>,
  ): Promise<WindowMatch['cutShort']> {
    const total = entries.length;
    const inFlight: Promise<ScanReply | 'timeout' | Error>[] = [];
    let position = 0;
    let stop: WindowMatch['cutShort'];
    while ((position < total || inFlight.length > 0) && !stop) {
      while (position < total && inFlight.length < IN_FLIGHT) {
        const n = Math.min(CHUNK, total - position);
        const records: Uint8Array[] = new Array(n);
        for (let i = 0; i < n; i++) records[i] = entries[total - 1 - (position + i)].encoded;
        const { data, ends } = packRecords(records);
        inFlight.push(lease.call<ScanReply>({ t: 'chunk', scan: scanId, position, data, ends }, [data.buffer, ends.buffer], deadline));
        position += n;
        // Let other requests in between chunk copies.
        await new Promise<void>((r) => setImmediate(r));
      }
      const r = await Promise.race([inFlight[0], aborted]);
      if (r === 'aborted') {
        stop = { reason: 'aborted', message: 'Stopped because the request was cancelled' };
        break;
      }
      inFlight.shift();
      if (r === 'timeout') stop = { reason: 'budget', message: `Stopped at the ${seconds(budgetMs)} s time limit` };
      else if (r instanceof Error) stop = failed(r, budgetMs);
      else if (r.t === 'scan-failed') stop = { reason: 'failed', message: `The scan failed: ${r.error}` };
    }
    if (!stop) return undefined;
    if (stop.reason === 'failed') {
      lease.discard();
      return stop;
    }
    // Tell the worker to stop, and see that it did: its chunks still queued
    // come back at once, then the ping. One stuck inside an evaluation cannot
    // answer, and is replaced.
    Atomics.store(cells, ScanCell.Cancel, 1);
    const pong = await lease.call<ScanReply>({ t: 'ping' }, [], performance.now() + STOP_GRACE_MS);
    if (pong === 'timeout' || pong instanceof Error) lease.discard();
    return stop;
  }
}

type Lease = WorkerLease;

function failed(r: 'timeout' | Error, budgetMs: number): NonNullable<WindowMatch['cutShort']> {
  return r === 'timeout'
    ? { reason: 'budget', message: `Stopped at the ${seconds(budgetMs)} s time limit` }
    : { reason: 'failed', message: `The scan failed (${r.message}); nothing was lost, try again` };
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
