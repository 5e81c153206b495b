/**
 * Worker threads shared by many users' one-off jobs (Test Plugin runs, Run
 * Matcher scans), shared fairly: no user's jobs can hold up another's beyond
 * one job's budget.
 *
 * - Each owner may have `perOwnerRunning` jobs running and `perOwnerQueued`
 *   waiting; beyond that a job is refused at once (PoolBusyError), never
 *   buffered without limit.
 * - A free worker goes to the waiting owner served longest ago, so one
 *   owner's long queue never sits in front of another owner's job.
 * - A job runs against a lease on one worker; a job that overran its budget
 *   (or whose worker no longer answers) discards the lease: that worker is
 *   terminated, and a fresh one is started and warmed before it takes work.
 *
 * Workers start on first use and say `{ t: 'ready' }` once warm (modules
 * loaded, QuickJS compiled), so the first job of a user never pays for that.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-script';

export interface FairWorkerPoolOptions {
  /** The worker's entry module (a file: URL of a `*-worker.ts`), started by startWorker (engine/worker-script.ts). */
  entry: URL;
  /** Thread name prefix (shows in debuggers and `top -H`). */
  name: string;
  /** Worker threads. */
  size: number;
  /** Jobs one owner may have running at once. Default 1. */
  perOwnerRunning?: number;
  /** Jobs one owner may have waiting. Default 2. */
  perOwnerQueued?: number;
}

/** The owner already has as many jobs running and waiting as allowed: nothing was queued. */
export class PoolBusyError extends Error {
  readonly owner: string;
  readonly running: number;
  readonly queued: number;
  constructor(owner: string, running: number, queued: number, what: string) {
    super(
      queued > 0
        ? `${what}: ${owner} already has ${running} running and ${queued} waiting, the most allowed; wait for one to finish`
        : `${what}: ${owner} already has ${running} running, the most allowed; wait for it to finish`,
    );
    this.name = 'PoolBusyError';
    this.owner = owner;
    this.running = running;
    this.queued = queued;
  }
}

/** The job waited for a free worker until its deadline passed; it never ran. */
export class PoolWaitError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no worker became free within ${Math.round(waitedMs)} ms`);
    this.name = 'PoolWaitError';
  }
}

export class PoolClosedError extends Error {
  constructor() {
    super('the worker pool is closed');
    this.name = 'PoolClosedError';
  }
}

/** A worker lent to one job. */
export interface WorkerLease {
  readonly worker: Worker;
  /**
   * Post `message` (it gets an `id`) and wait for the worker's reply with the
   * same id; resolves 'timeout' at `deadlineAt` (ms, performance.now()) and
   * an Error when the worker dies.
   */
  call<R extends { id: number }>(message: object, transfer: readonly ArrayBuffer[], deadlineAt: number): Promise<R | 'timeout' | Error>;
  /** The worker goes when the job ends: terminated, and a fresh one takes its place. */
  discard(): void;
}

interface PooledWorker {
  worker: Worker;
  ready: boolean;
  busy: boolean;
}

interface Waiting {
  owner: string;
  start: (lease: PooledWorker) => void;
  fail: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class FairWorkerPool {
  private readonly options: Required<FairWorkerPoolOptions>;
  private workers: PooledWorker[] = [];
  /** Owners with waiting jobs. */
  private readonly queues = new Map<string, Waiting[]>();
  /** When each owner was last given a worker (a dispatch count): the longest unserved goes first. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private readonly running = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(options: FairWorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`size must be a whole number >= 1, got ${options.size}`);
    this.options = { perOwnerRunning: 1, perOwnerQueued: 2, ...options };
  }

  /** Workers started and warm, and those busy with a job. */
  status(): { workers: number; ready: number; busy: number; queued: number } {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return {
      workers: this.workers.length,
      ready: this.workers.filter((w) => w.ready).length,
      busy: this.workers.filter((w) => w.busy).length,
      queued,
    };
  }

  /** Jobs the owner has running now. */
  runningFor(owner: string): number {
    return this.running.get(owner) ?? 0;
  }

  /**
   * Run `job` on a worker when it is the owner's turn. Throws PoolBusyError
   * at once when the owner's limits are reached (`what` names the job in the
   * message), PoolWaitError when no worker came free before `waitUntil`
   * (performance.now() ms).
   */
  run<T>(owner: string, what: string, job: (lease: WorkerLease) => Promise<T>, options: { waitUntil?: number } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    const running = this.running.get(owner) ?? 0;
    const queue = this.queues.get(owner) ?? [];
    if (running + queue.length >= this.options.perOwnerRunning + this.options.perOwnerQueued) {
      return Promise.reject(new PoolBusyError(owner, running, queue.length, what));
    }
    this.ensureWorkers();
    const queuedAt = performance.now();
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        owner,
        timer: undefined,
        fail: reject,
        start: (pooled) => {
          if (entry.timer) clearTimeout(entry.timer);
          void this.lend(pooled, owner, job).then(resolve, reject);
        },
      };
      if (options.waitUntil !== undefined) {
        entry.timer = setTimeout(() => {
          const q = this.queues.get(owner);
          const i = q?.indexOf(entry) ?? -1;
          if (i < 0) return;
          q!.splice(i, 1);
          if (q!.length === 0) this.queues.delete(owner);
          reject(new PoolWaitError(performance.now() - queuedAt));
        }, Math.max(0, options.waitUntil - performance.now()));
      }
      queue.push(entry);
      this.queues.set(owner, queue);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) {
      for (const w of q) {
        if (w.timer) clearTimeout(w.timer);
        w.fail(new PoolClosedError());
      }
    }
    this.queues.clear();
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  // ----------------------------------------------------------------------------

  private ensureWorkers(): void {
    while (this.workers.length < this.options.size) this.workers.push(this.spawn());
  }

  private spawn(): PooledWorker {
    const worker = startWorker(this.options.entry, { name: `${this.options.name}-${this.nextId++}` });
    worker.unref();
    const pooled: PooledWorker = { worker, ready: false, busy: false };
    const onReady = (m: { t?: string }) => {
      if (m?.t !== 'ready') return;
      worker.off('message', onReady);
      pooled.ready = true;
      this.dispatch();
    };
    worker.on('message', onReady);
    // A worker that dies idle is replaced; one that dies in a job is replaced when the job ends.
    const gone = () => {
      if (pooled.busy) return;
      this.replace(pooled);
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    return pooled;
  }

  private replace(pooled: PooledWorker): void {
    const i = this.workers.indexOf(pooled);
    if (i < 0) return;
    void pooled.worker.terminate();
    if (this.closed) {
      this.workers.splice(i, 1);
      return;
    }
    this.workers[i] = this.spawn();
  }

  /** Free, warm workers go to the owners in turn. */
  private dispatch(): void {
    if (this.closed) return;
    for (;;) {
      const free = this.workers.find((w) => w.ready && !w.busy);
      if (!free) return;
      let owner: string | undefined;
      let since = Infinity;
      for (const [o] of this.queues) {
        if ((this.running.get(o) ?? 0) >= this.options.perOwnerRunning) continue;
        // Never served counts as served longest ago; ties keep arrival order.
        const last = this.lastServed.get(o) ?? -1;
        if (last < since) {
          since = last;
          owner = o;
        }
      }
      if (owner === undefined) return;
      const q = this.queues.get(owner)!;
      const picked = q.shift();
      if (q.length === 0) this.queues.delete(owner);
      this.lastServed.set(owner, ++this.served);
      if (!picked) return;
      free.busy = true;
      this.running.set(picked.owner, (this.running.get(picked.owner) ?? 0) + 1);
      picked.start(free);
    }
  }

  private async lend<T>(pooled: PooledWorker, owner: string, job: (lease: WorkerLease) => Promise<T>): Promise<T> {
    let discard = false;
    let dead: Error | undefined;
    const onGone = (err: Error | number) => {
      dead ??= typeof err === 'number' ? new Error(`the worker exited with code ${err}`) : err;
    };
    pooled.worker.on('error', onGone);
    pooled.worker.on('exit', onGone);
    const lease: WorkerLease = {
      worker: pooled.worker,
      discard: () => {
        discard = true;
      },
      call: <R extends { id: number }>(message: object, transfer: readonly ArrayBuffer[], deadlineAt: number) =>
        new Promise<R | 'timeout' | Error>((resolve) => {
          if (dead) {
            resolve(dead);
            return;
          }
          const id = this.nextId++;
          const w = pooled.worker;
          const finish = (v: R | 'timeout' | Error) => {
            clearTimeout(timer);
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
            resolve(v);
          };
          const onMessage = (r: R) => {
            if (r?.id === id) finish(r);
          };
          const onError = (err: Error) => finish(err);
          const onExit = (code: number) => finish(new Error(`the worker exited with code ${code}`));
          const timer = setTimeout(() => finish('timeout'), Math.max(0, deadlineAt - performance.now()));
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          w.postMessage({ ...message, id }, transfer as ArrayBuffer[]);
        }),
    };
    try {
      return await job(lease);
    } finally {
      pooled.worker.off('error', onGone);
      pooled.worker.off('exit', onGone);
      pooled.busy = false;
      const n = (this.running.get(owner) ?? 1) - 1;
      if (n > 0) this.running.set(owner, n);
      else this.running.delete(owner);
      if (discard || dead) this.replace(pooled);
      this.dispatch();
    }
  }
}
