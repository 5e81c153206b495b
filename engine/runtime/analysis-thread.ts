/**
 * The engine's side of one analysis worker thread (Hindsight's
 * hs_analysis_thread): it starts the worker, feeds it the stream in batches
 * and relays control commands, all through one port so the worker sees them
 * in order.
 *
 * Feeding: one reader per thread follows the stream from `cursor`, packs each
 * batch's encoded records into one transferable buffer and posts it, with at
 * most `maxInFlight` batches outstanding (back-pressure from the worker). A
 * plugin added behind the cursor (a backfill, or a deploy racing a batch
 * already sent) rewinds the reader; plugins already past a re-sent range skip it.
 * Batches shrink while they are slow (a plugin spending most of its
 * cpu_limit_ms on each message), so a control command queued behind them
 * waits for about BATCH_TARGET_MS, not for a thousand slow calls.
 *
 * Watchdog: the worker writes what it is doing into shared cells
 * (worker-watch.ts); a timer here samples them with the thread's CPU time,
 * and a unit of work that overruns its allowance gets the worker terminated
 * and reported as a crash with the plugins to blame and the cause, so the
 * engine replaces the worker and resumes the others from their checkpoints.
 */
import type { Worker } from 'node:worker_threads';
import type { MessageStream } from '../log';
import { startWorker } from '../worker-script';
import { DEFAULT_LIMITS, resolveLimits } from '../sandbox';
import type { PluginSpec } from './plugin-spec';
import type { PluginStats } from './plugin-stats';
import { threadCpuMs } from './thread-cpu';
import { readWatch, StallJudge, WATCH_CELLS, WatchCell, type StallVerdict } from './worker-watch';
import type {
  AddDone,
  BatchCommand,
  BatchDone,
  Effects,
  RemoveDone,
  ReplaceDone,
  ShutdownDone,
  WorkerCommand,
  WorkerInit,
  WorkerReply,
} from './worker-protocol';

export interface ThreadHooks {
  /** A batch finished: its effects and the plugins' new next offsets. Called in order. */
  onBatch(thread: AnalysisThread, done: BatchDone): void;
  /** Timer events produced something. */
  onTick(thread: AnalysisThread, effects: Effects): void;
  onStats(thread: AnalysisThread, stats: [string, PluginStats][]): void;
  /**
   * The worker died or was stopped by its watchdog; its plugins are gone.
   * `blamed`: the plugins it was running (several when they share a stuck
   * matcher), and `cause`, when the watchdog stopped it, their termination
   * message.
   */
  onCrash(thread: AnalysisThread, error: string, blamed: string[], cause?: string): void;
}

/** Most records per batch sent to a worker, unless ThreadOptions.maxBatch says otherwise. */
export const DEFAULT_MAX_BATCH = 1000;

export interface ThreadOptions {
  index: number;
  hostname: string;
  pid: number;
  /**
   * Most records per batch. Default DEFAULT_MAX_BATCH (1000): big enough to spread each matching
   * plugin's per-call sandbox cost, small enough that a batch's decoded
   * messages die young (4000 measured slower: they outlive the young GC
   * generation). A live feed sends what has arrived, often less.
   */
  maxBatch?: number;
  /** Batches outstanding at the worker. Default 2. */
  maxInFlight?: number;
  statsIntervalMs?: number;
  /** How often the watchdog samples the worker, ms. Default 100. */
  watchIntervalMs?: number;
  /** The worker module (tests only: a fixture standing in for a worker stuck where no real plugin can get it stuck). */
  workerEntry?: URL;
}

/** A batch that took longer than this makes the next ones smaller. */
export const BATCH_TARGET_MS = 200;
/** A unit of work running longer than this keeps new plugins off the thread. */
const BUSY_FOR_PLACEMENT_MS = 250;

export class WorkerCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashedError';
  }
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

const ENTRY = new URL('./analysis-worker.ts', import.meta.url).href;

export class AnalysisThread {
  readonly index: number;
  private readonly worker: Worker;
  private readonly watch = new Int32Array(new SharedArrayBuffer(4 * WATCH_CELLS));
  private readonly judge = new StallJudge();
  private readonly watchdog: NodeJS.Timeout;
  private readonly specs = new Map<string, PluginSpec>();
  /** Records of each batch at the worker, oldest first. */
  private readonly inFlightSizes: number[] = [];
  /** Records per batch now (shrinks while batches are slow, grows back to maxBatch). */
  private batchLimit: number;
  private isReady = false;
  /** The worker's kernel thread id, once it has said (Linux). */
  private tid: number | undefined;
  private readonly slots = new Map<string, number>();
  private readonly slotIds = new Map<number, string>();
  private nextSlot = 1;
  private cursor = 0;
  private rewindTo: number | undefined;
  private inFlight = 0;
  private seq = 0;
  private creditWaiter: (() => void) | undefined;
  private idleWaiter: (() => void) | undefined;
  private feedAbort: AbortController | undefined;
  private readonly replies = new Map<string, Waiter<unknown>[]>();
  private shutdownWaiter: Waiter<ShutdownDone> | undefined;
  private state: 'running' | 'stopping' | 'stopped' | 'crashed' = 'running';
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** Resolves when the feed loop has ended. */
  readonly fed: Promise<void>;

  constructor(
    private readonly stream: MessageStream,
    private readonly hooks: ThreadHooks,
    options: ThreadOptions,
  ) {
    this.index = options.index;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.batchLimit = this.maxBatch;
    const init: WorkerInit = {
      entry: options.workerEntry?.href ?? ENTRY,
      workerIndex: options.index,
      hostname: options.hostname,
      pid: options.pid,
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      watch: this.watch.buffer as SharedArrayBuffer,
    };
    Atomics.store(this.watch, WatchCell.Busy, -1);
    Atomics.store(this.watch, WatchCell.Matcher, -1);
    Atomics.store(this.watch, WatchCell.Subject, -1);
    this.worker = startWorker(new URL(init.entry), { workerData: init, name: `foresight-analysis-${options.index}` });
    this.worker.on('message', (r: WorkerReply) => this.onReply(r));
    this.worker.on('error', (err) => this.crashed(err.stack ?? err.message));
    this.worker.on('exit', (code) => {
      if (this.state === 'running' || this.state === 'stopping') this.crashed(`the worker exited with code ${code}`);
    });
    this.fed = this.feed();
    this.watchdog = setInterval(() => this.checkStall(), options.watchIntervalMs ?? 100);
    this.watchdog.unref();
  }

  /** The worker has loaded and compiled QuickJS: it answers promptly. */
  get ready(): boolean {
    return this.isReady && this.state === 'running';
  }

  /** Ready, and not in the middle of a long unit of work: a good place for a new plugin. */
  get responsive(): boolean {
    return this.ready && this.judge.unitCost(this.costNow()) < BUSY_FOR_PLACEMENT_MS;
  }

  /** Plugins living on this thread. */
  get pluginIds(): string[] {
    return [...this.slots.keys()];
  }

  get pluginCount(): number {
    return this.slots.size;
  }

  get alive(): boolean {
    return this.state === 'running';
  }

  /**
   * How long the worker's event loop has been busy and idle since it started
   * (Node's eventLoopUtilization, read from this side). Busy is wall time
   * spent on work, so time another process held the core counts as busy;
   * cpuMs is the thread's CPU time, where the OS tells it (Linux).
   */
  busyTime(): { activeMs: number; idleMs: number; cpuMs?: number } {
    const u = this.worker.performance.eventLoopUtilization();
    const cpuMs = this.tid === undefined ? undefined : threadCpuMs(this.tid);
    return cpuMs === undefined ? { activeMs: u.active, idleMs: u.idle } : { activeMs: u.active, idleMs: u.idle, cpuMs };
  }

  /** Start a plugin at `nextOffset` (with its saved state). Resolves with the worker's answer. */
  async add(id: string, spec: PluginSpec, nextOffset: number, state?: Uint8Array): Promise<AddDone> {
    const wasIdle = this.countRunning() === 0;
    const slot = this.claimSlot(id);
    this.specs.set(id, spec);
    const done = this.request<AddDone>(`add:${id}`, { t: 'add', id, slot, spec, nextOffset, state });
    // Position the feed after the add is posted, so every batch that can hold
    // `nextOffset` reaches the worker after the plugin exists there.
    if (wasIdle) this.restartFeedAt(nextOffset);
    else if (nextOffset < this.cursor) this.rewind(nextOffset);
    const r = await done;
    if (r.error) this.releaseSlot(id);
    return r;
  }

  replace(id: string, spec: PluginSpec, keepState: boolean): Promise<ReplaceDone> {
    const slot = this.slots.get(id) ?? this.claimSlot(id);
    this.specs.set(id, spec);
    return this.request<ReplaceDone>(`replace:${id}`, { t: 'replace', id, slot, spec, keepState });
  }

  async remove(id: string, clean: boolean): Promise<RemoveDone> {
    const r = await this.request<RemoveDone>(`remove:${id}`, { t: 'remove', id, clean });
    this.releaseSlot(id);
    return r;
  }

  /** Forget a plugin the worker terminated on its own. */
  forget(id: string): void {
    this.releaseSlot(id);
  }

  /** Stop feeding, stop every plugin cleanly, end the worker. */
  async shutdown(): Promise<ShutdownDone> {
    if (this.state !== 'running') {
      return { t: 'shutdown-done', plugins: [], effects: { outputs: [], injected: [], terminated: [], debug: [], failures: [] } };
    }
    this.state = 'stopping';
    clearInterval(this.watchdog);
    this.feedAbort?.abort();
    this.idleWaiter?.();
    this.creditWaiter?.();
    await this.fed;
    const done = new Promise<ShutdownDone>((resolve, reject) => (this.shutdownWaiter = { resolve, reject }));
    this.worker.postMessage({ t: 'shutdown' } satisfies WorkerCommand);
    const r = await done;
    this.state = 'stopped';
    await this.worker.terminate();
    return r;
  }

  /** Kill the worker without stopping its plugins (engine abort, tests). */
  async kill(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'crashed') return;
    this.state = 'stopped';
    clearInterval(this.watchdog);
    this.feedAbort?.abort();
    this.idleWaiter?.();
    this.creditWaiter?.();
    this.failAll(new WorkerCrashedError('the analysis worker was stopped'));
    await this.worker.terminate();
  }

  // ---------------------------------------------------------------- feeding

  private async feed(): Promise<void> {
    while (this.state === 'running') {
      if (this.countRunning() === 0) {
        await new Promise<void>((r) => (this.idleWaiter = r));
        this.idleWaiter = undefined;
        continue;
      }
      if (this.rewindTo !== undefined) {
        this.cursor = Math.min(this.cursor, this.rewindTo);
        this.rewindTo = undefined;
      }
      const ac = new AbortController();
      this.feedAbort = ac;
      let ended = true;
      try {
        for await (const entries of this.stream.tail(this.cursor, { maxBatch: this.maxBatch, signal: ac.signal })) {
          if (ac.signal.aborted || this.countRunning() === 0) {
            ended = false;
            break;
          }
          let sent = 0;
          while (sent < entries.length) {
            await this.waitForCredit(ac.signal);
            if (ac.signal.aborted || this.state !== 'running') break; // dropped: it is read again after the rewind
            const n = Math.min(this.batchLimit, entries.length - sent);
            this.post(sent === 0 && n === entries.length ? entries : entries.slice(sent, sent + n));
            sent += n;
          }
          if (sent < entries.length) {
            ended = false;
            break;
          }
        }
      } catch (err) {
        if (this.state === 'running') this.hooks.onCrash(this, `reading the stream failed: ${String(err)}`, []);
        return;
      }
      if (ac.signal.aborted) ended = false;
      if (ended) return; // the stream closed
    }
  }

  private post(entries: readonly { offset: number; encoded: Uint8Array }[]): void {
    const n = entries.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += entries[i].encoded.length;
    const data = new Uint8Array(total);
    const ends = new Uint32Array(n);
    const offsets = new Float64Array(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      data.set(e.encoded, pos);
      pos += e.encoded.length;
      ends[i] = pos;
      offsets[i] = e.offset;
    }
    const rangeStart = this.cursor;
    const rangeEnd = entries[n - 1].offset + 1;
    this.cursor = rangeEnd;
    this.inFlight++;
    this.inFlightSizes.push(n);
    const cmd: BatchCommand = {
      t: 'batch',
      seq: ++this.seq,
      rangeStart,
      rangeEnd,
      offsets,
      ends,
      data,
      sentAt: performance.timeOrigin + performance.now(),
    };
    this.worker.postMessage(cmd, [data.buffer, ends.buffer, offsets.buffer]);
  }

  private waitForCredit(signal: AbortSignal): Promise<void> | void {
    if (this.inFlight < this.maxInFlight) return;
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.creditWaiter = undefined;
        resolve();
      };
      this.creditWaiter = () => {
        if (this.inFlight < this.maxInFlight || this.state !== 'running') done();
      };
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private restartFeedAt(offset: number): void {
    this.cursor = offset;
    this.rewindTo = undefined;
    this.feedAbort?.abort();
    this.idleWaiter?.();
  }

  private rewind(offset: number): void {
    this.rewindTo = Math.min(this.rewindTo ?? offset, offset);
    this.feedAbort?.abort();
  }

  // ---------------------------------------------------------------- replies

  private onReply(r: WorkerReply): void {
    switch (r.t) {
      case 'batch-done': {
        this.inFlight--;
        this.adaptBatch(this.inFlightSizes.shift() ?? 1, r.busyNs / 1e6);
        this.creditWaiter?.();
        this.hooks.onBatch(this, r);
        return;
      }
      case 'tick-done':
        this.hooks.onTick(this, r);
        return;
      case 'stats':
        this.hooks.onStats(this, r.stats);
        return;
      case 'add-done':
        this.settle(`add:${r.id}`, r);
        return;
      case 'replace-done':
        this.settle(`replace:${r.id}`, r);
        return;
      case 'remove-done':
        this.settle(`remove:${r.id}`, r);
        return;
      case 'shutdown-done':
        this.shutdownWaiter?.resolve(r);
        return;
      case 'thread':
        this.tid = r.tid;
        return;
      case 'ready':
        this.isReady = true;
        return;
      case 'fatal':
        this.crashed(r.error);
        void this.worker.terminate();
        return;
    }
  }

  private request<T>(key: string, cmd: WorkerCommand): Promise<T> {
    if (this.state !== 'running') return Promise.reject(new WorkerCrashedError('the analysis worker is not running'));
    return new Promise<T>((resolve, reject) => {
      const list = this.replies.get(key) ?? [];
      list.push({ resolve: resolve as (v: unknown) => void, reject });
      this.replies.set(key, list);
      this.worker.postMessage(cmd);
    });
  }

  private settle(key: string, value: unknown): void {
    const list = this.replies.get(key);
    const w = list?.shift();
    if (list && list.length === 0) this.replies.delete(key);
    w?.resolve(value);
  }

  private failAll(err: Error): void {
    for (const list of this.replies.values()) for (const w of list) w.reject(err);
    this.replies.clear();
    this.shutdownWaiter?.reject(err);
  }

  private crashed(error: string, verdict?: { blamed: string[]; cause: string }): void {
    if (this.state === 'crashed' || this.state === 'stopped') return;
    clearInterval(this.watchdog);
    const slot = Atomics.load(this.watch, WatchCell.Busy);
    const blamedSlot = slot >= 0 ? this.slotIds.get(slot) : undefined;
    const blamed = verdict?.blamed ?? (blamedSlot !== undefined ? [blamedSlot] : []);
    this.state = 'crashed';
    this.feedAbort?.abort();
    this.idleWaiter?.();
    this.creditWaiter?.();
    this.failAll(new WorkerCrashedError(`the analysis worker ${verdict ? 'was stopped' : 'crashed'}: ${error}`));
    this.hooks.onCrash(this, error, blamed, verdict?.cause);
  }

  // ---------------------------------------------------------------- watchdog

  /** The worker's CPU time in ms where the OS tells it, else wall time. */
  private costNow(): number {
    const cpu = this.tid === undefined ? undefined : threadCpuMs(this.tid);
    return cpu ?? performance.now();
  }

  private checkStall(): void {
    if (this.state !== 'running') return;
    const verdict = this.judge.observe(readWatch(this.watch), this.costNow(), {
      cpuLimitMs: (slot) => this.cpuLimitOf(this.slotIds.get(slot)),
      batchRecords: () => this.inFlightSizes[0] ?? 1,
    });
    if (verdict) this.stalled(verdict);
  }

  private stalled(verdict: StallVerdict): void {
    const id = this.slotIds.get(verdict.slot);
    if (id === undefined) return;
    // Plugins sharing the stuck matcher share its evaluation: all of them are to blame.
    const blamed =
      verdict.kind === 'matcher'
        ? this.pluginIds.filter((p) => this.specs.get(p)?.config.message_matcher === this.specs.get(id)?.config.message_matcher)
        : [id];
    this.crashed(`${id}: ${verdict.message}`, { blamed, cause: verdict.message });
    void this.worker.terminate();
  }

  private cpuLimitOf(id: string | undefined): number {
    const spec = id === undefined ? undefined : this.specs.get(id);
    if (!spec) return DEFAULT_LIMITS.cpuMsPerCall;
    try {
      return resolveLimits(spec.config, undefined).cpuMsPerCall;
    } catch {
      return DEFAULT_LIMITS.cpuMsPerCall;
    }
  }

  /** Slow batches make the next ones smaller (down to one record); fast ones let them grow back. */
  private adaptBatch(records: number, busyMs: number): void {
    if (busyMs > BATCH_TARGET_MS) {
      this.batchLimit = Math.max(1, Math.min(this.batchLimit, Math.floor((records * BATCH_TARGET_MS) / busyMs)));
    } else if (busyMs < BATCH_TARGET_MS / 4 && this.batchLimit < this.maxBatch) {
      this.batchLimit = Math.min(this.maxBatch, this.batchLimit * 2);
    }
  }

  private claimSlot(id: string): number {
    const existing = this.slots.get(id);
    if (existing !== undefined) return existing;
    const slot = this.nextSlot++;
    this.slots.set(id, slot);
    this.slotIds.set(slot, id);
    return slot;
  }

  private releaseSlot(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.specs.delete(id);
    this.slots.delete(id);
    this.slotIds.delete(slot);
  }

  private countRunning(): number {
    return this.slots.size;
  }
}
