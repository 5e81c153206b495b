/**
 * The Foresight engine: the durable message stream, analysis worker threads
 * running the deployed plugins, their outputs, and the built-in sample
 * stream, all under one data directory:
 *
 *   <dataDir>/log/              the stream's segments (Hindsight framing)
 *   <dataDir>/checkpoints.json  each plugin's next offset (`analysis.<id>`)
 *   <dataDir>/plugins/          deployed plugins and their preserved state
 *   <dataDir>/outputs/          the latest value of every plugin output
 *
 *   const engine = await Engine.start({ dataDir, workers: 2, sampleStream: { rate: 100 } });
 *   await engine.deploy({ owner, name, code, config: { message_matcher: "Type == 'x'" } });
 *   engine.on((event) => ...);          // plugin changes, stats, debug output
 *   engine.outputs.onChange(...);       // output changes
 *   await engine.stopPlugin(id); await engine.deletePlugin(id);
 *   await engine.stop();                // timer_event(ns, true), state, checkpoints
 *
 * Delivery is at least once: a plugin's checkpoint advances only after the
 * batch it covers was processed and the messages it injected are durable in
 * the stream; checkpoints are saved about once a second, so after a crash a
 * plugin re-processes at most about a second of messages. Control operations
 * (deploy, update, stop...) run one at a time per plugin; operations on
 * different plugins do not wait for each other, so one plugin's stuck thread
 * holds up only the plugins on that thread, and only until its watchdog
 * replaces the worker (analysis-thread.ts): a plugin being stopped there is
 * then stopped at its last acknowledged offset, the others are resumed from
 * theirs on a responsive thread, and the plugins to blame are terminated
 * with the cause.
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { SampleStream } from '../inputs';
import { LogError, MessageStream, type MessageStreamOptions } from '../log';
import { compileMatcher } from '../matcher';
import type { Message } from '../message/message';
import { parseRfc3339 } from '../message/time';
import { OutputError, OutputStore, type OutputStoreOptions } from '../outputs';
import { AnalysisThread, WorkerCrashedError } from './analysis-thread';
import { IsolatedTestRunner, type IsolatedTestOptions, type IsolatedTestRunnerOptions } from './isolated-test-runner';
import { EngineStoppedError, PluginLoadError, PluginNotFoundError, StartPositionError } from './engine-errors';
import { PluginRegistry, type PluginRecord, type PluginState, type PluginTermination } from './plugin-registry';
import {
  checkpointName,
  effectiveLimits,
  pluginId,
  preservesData,
  resolveLimitCaps,
  validatePluginSpec,
  withEffectiveLimits,
  type EffectiveLimit,
  type LimitCaps,
  type LimitKey,
  type PluginSpec,
} from './plugin-spec';
import { emptyStats, type PluginStats } from './plugin-stats';
import type { TestPluginInput, TestPluginResult } from './test-plugin';
import type { BatchDone, Effects, TerminationRecord } from './worker-protocol';
import { WindowMatcher, type WindowMatch, type WindowMatchRequest, type WindowMatcherOptions } from './window-matcher';

export interface EngineOptions {
  dataDir: string;
  /** Analysis worker threads. Default min(2, cores). */
  workers?: number;
  /** The built-in sample stream (on by default at 100 messages/s); false turns it off. */
  sampleStream?: { rate: number; seed?: number } | false;
  /** Log segment size, retention, window size, back-pressure limits... */
  stream?: MessageStreamOptions;
  outputs?: OutputStoreOptions;
  /** Most records per batch sent to a worker. Default 1000. */
  maxBatch?: number;
  /** How often workers report plugin stats. Default 1000 ms. */
  statsIntervalMs?: number;
  /** Hostname stamped on injected messages. Default os.hostname(). */
  hostname?: string;
  /**
   * The platform's caps on plugin limits (the admin's settings; unset keys
   * take DEFAULT_LIMIT_CAPS): deploy and Test Plugin refuse a spec asking for
   * more, and every plugin runs with its limits cut to them.
   */
  limitCaps?: Partial<LimitCaps>;
  /** Test Plugin runners and their per-owner limits. */
  testRunners?: IsolatedTestRunnerOptions;
  /** Run Matcher's workers and budget per request. */
  runMatcher?: WindowMatcherOptions;
  /** The analysis worker module (tests only: a fixture that gets stuck on purpose). */
  analysisWorkerEntry?: URL;
}

/**
 * Where a plugin starts reading: the live head, its saved checkpoint (where
 * it left off), a stream offset, or the first message at or after a time
 * (a Date, an RFC 3339 string, or nanoseconds since the epoch).
 */
export type StartFrom = 'head' | 'checkpoint' | { offset: number } | { time: Date | string | bigint };

export interface PluginInfo {
  id: string;
  owner: string;
  name: string;
  version: number;
  state: PluginState;
  deployedAt: number;
  changedAt: number;
  spec: PluginSpec;
  /** The limits it runs with: asked for, else the default, never above the platform's cap. */
  limits: Record<LimitKey, EffectiveLimit>;
  error?: PluginTermination;
  /** Live stats while running, else the last ones seen. */
  stats?: PluginStats;
  /** Next offset it will process (live, or its checkpoint). */
  nextOffset: number | undefined;
  /** Messages in the stream it has not processed yet. */
  lag: number | undefined;
  /** The analysis thread it runs on. */
  thread?: number;
}

/** One analysis worker thread: the plugins on it and how busy it has been. */
export interface AnalysisWorkerInfo {
  index: number;
  plugins: number;
  /** Milliseconds its event loop has spent working since it started (a replacement after a crash starts at 0). */
  activeMs: number;
  /** Milliseconds it has waited for work. */
  idleMs: number;
  /** CPU milliseconds the thread has used (Linux only): unlike activeMs, not inflated when others held its core. */
  cpuMs?: number;
}

export type EngineEvent =
  | { type: 'plugin'; plugin: PluginInfo }
  | { type: 'deleted'; id: string }
  | { type: 'stats'; stats: Record<string, PluginStats> }
  | { type: 'debug'; id: string; lines: string[] }
  | { type: 'progress'; id: string; nextOffset: number; at: number }
  | { type: 'error'; message: string; id?: string };

export type EngineListener = (event: EngineEvent) => void;

interface LivePlugin {
  thread: AnalysisThread;
  /** Highest next offset acknowledged (processed, injections durable). */
  acked: number;
  stats?: PluginStats;
}

/** print() lines kept per plugin for the portal. */
const DEBUG_LINES_KEPT = 200;
/** Failure reasons kept per plugin. */
const FAILURES_KEPT = 20;

export class Engine {
  readonly dataDir: string;
  readonly stream: MessageStream;
  readonly outputs: OutputStore;
  readonly sample: SampleStream | undefined;
  private readonly registry: PluginRegistry;
  private threads: AnalysisThread[] = [];
  private readonly live = new Map<string, LivePlugin>();
  private readonly debugLines = new Map<string, string[]>();
  private readonly failures = new Map<string, { offset: number; reason: string }[]>();
  private readonly listeners = new Set<EngineListener>();
  /** Effects applied one batch at a time per thread, in order. */
  private readonly chains = new Map<AnalysisThread, Promise<void>>();
  /** Each plugin's control operations, one after another. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Operations not yet finished, for stop() to wait for. */
  private readonly inProgress = new Set<Promise<unknown>>();
  private readonly tester: IsolatedTestRunner;
  private readonly windowMatcher: WindowMatcher;
  private stopped = false;
  readonly limitCaps: LimitCaps;
  private readonly threadOptions: { hostname: string; maxBatch?: number; statsIntervalMs?: number; workerEntry?: URL };

  private constructor(
    dataDir: string,
    stream: MessageStream,
    outputs: OutputStore,
    registry: PluginRegistry,
    options: EngineOptions,
  ) {
    this.dataDir = dataDir;
    this.stream = stream;
    this.outputs = outputs;
    this.registry = registry;
    this.limitCaps = resolveLimitCaps(options.limitCaps);
    this.threadOptions = {
      hostname: options.hostname ?? osHostname(),
      maxBatch: options.maxBatch,
      statsIntervalMs: options.statsIntervalMs,
      workerEntry: options.analysisWorkerEntry,
    };
    this.tester = new IsolatedTestRunner(options.testRunners);
    this.windowMatcher = new WindowMatcher(() => this.stream.recent(), options.runMatcher);
    const sample = options.sampleStream === undefined ? { rate: 100 } : options.sampleStream;
    this.sample = sample
      ? new SampleStream({
          rate: sample.rate,
          seed: sample.seed,
          sink: (messages) => this.stream.ingest(messages),
          onError: (err) => this.emit({ type: 'error', message: `sample stream: ${String(err)}` }),
        })
      : undefined;
  }

  /** Open the data directory, start the workers, bring back every plugin that was running. */
  static async start(options: EngineOptions): Promise<Engine> {
    const dataDir = options.dataDir;
    await mkdir(dataDir, { recursive: true });
    const stream = await MessageStream.open(dataDir, options.stream);
    let outputs: OutputStore | undefined;
    try {
      outputs = await OutputStore.open(join(dataDir, 'outputs'), options.outputs);
      const registry = await PluginRegistry.open(join(dataDir, 'plugins'));
      const engine = new Engine(dataDir, stream, outputs, registry, options);
      const count = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
      for (let i = 0; i < count; i++) engine.threads.push(engine.newThread(i));
      await engine.resumePlugins();
      engine.sample?.start();
      return engine;
    } catch (err) {
      await outputs?.close().catch(() => {});
      await stream.close().catch(() => {});
      throw err;
    }
  }

  // ---------------------------------------------------------------- queries

  plugins(): PluginInfo[] {
    return this.registry.list().map((r) => this.info(r));
  }

  plugin(id: string): PluginInfo | undefined {
    const r = this.registry.get(id);
    return r ? this.info(r) : undefined;
  }

  /** Stats of every deployed plugin (live, or last seen). */
  stats(): Record<string, PluginStats> {
    const out: Record<string, PluginStats> = {};
    for (const r of this.registry.list()) {
      const s = this.live.get(r.id)?.stats ?? r.lastStats;
      if (s) out[r.id] = s;
    }
    return out;
  }

  /** The analysis worker threads, in index order. */
  workers(): AnalysisWorkerInfo[] {
    return this.threads.map((t) => ({ index: t.index, plugins: t.pluginCount, ...t.busyTime() }));
  }

  /** The plugin's latest print() lines (deployed plugins; in memory only). */
  debugOutput(id: string): string[] {
    return [...(this.debugLines.get(id) ?? [])];
  }

  /** The latest process_message() failures (-1 returns) with the offset and reason. */
  recentFailures(id: string): { offset: number; reason: string }[] {
    return [...(this.failures.get(id) ?? [])];
  }

  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Append messages to the stream (durable when resolved); see MessageStream.ingest. */
  ingest(messages: readonly Message[]) {
    return this.stream.ingest(messages);
  }

  /**
   * Test Plugin: run a plugin over `messages` exactly as the live engine would,
   * then timer_event(ns, true), in a worker thread with a time budget
   * (`timeoutMs`, default 60 s), so the caller's event loop stays free.
   */
  testPlugin(input: TestPluginInput, messages: readonly Message[], options: IsolatedTestOptions = {}): Promise<TestPluginResult> {
    return this.tester.run(input, messages, { ...options, limitCaps: this.limitCaps });
  }

  /**
   * Test Plugin over the newest `recent` messages of the in-memory window, in
   * log order. Runs are shared fairly between owners (options.owner, else the
   * input's owner): one running and two waiting per owner, more is refused
   * with PoolBusyError; the budget covers the wait and the run.
   */
  testPluginOnWindow(input: TestPluginInput, recent: number, options: IsolatedTestOptions = {}): Promise<TestPluginResult> {
    const records = this.stream.recent(recent).map((e) => e.encoded);
    return this.tester.runEncoded(input, records, { ...options, limitCaps: this.limitCaps });
  }

  /**
   * Run Matcher: the matcher over the in-memory window, newest first, in a
   * worker with a wall-clock budget; a scan cut short says how far it got
   * (WindowMatch.cutShort). Throws MatcherError for a malformed matcher and
   * PoolBusyError when the owner already has a scan running.
   */
  runMatcher(request: WindowMatchRequest): Promise<WindowMatch> {
    if (this.stopped) return Promise.reject(new EngineStoppedError());
    return this.windowMatcher.run(request);
  }

  // ---------------------------------------------------------------- operations

  /**
   * Deploy a plugin, or update a deployed one. A new plugin starts at the live
   * head unless `from` says otherwise. A running plugin is updated in place:
   * the new version starts exactly at the old version's next offset, with its
   * preserve_data state (the old version gets timer_event(ns, true) first);
   * if the new code does not load, the old version keeps running and this
   * throws PluginLoadError. A stopped or terminated plugin resumes at its
   * checkpoint. Invalid specs throw PluginSpecError, invalid matchers
   * MatcherError (with the position).
   */
  async deploy(input: unknown, options: { from?: StartFrom } = {}): Promise<PluginInfo> {
    const spec = validatePluginSpec(input, this.limitCaps);
    compileMatcher(String(spec.config.message_matcher));
    const id = pluginId(spec.owner, spec.name);
    return this.serialized(id, async () => {
      const record = this.registry.get(id);
      const live = this.live.get(id);
      if (live && record && options.from === undefined) {
        const r = await this.replaceLive(id, live, spec);
        if (!r) {
          // Its worker was replaced under the update: the new version starts where the old one was acknowledged.
          await this.launch(id, spec, live.acked);
          const moved: PluginRecord = { ...record, spec, version: record.version + 1, changedAt: Date.now(), state: 'running' };
          delete moved.error;
          await this.registry.put(moved);
          return this.announce(id);
        }
        await this.applyInOrder(live.thread, r.effects);
        if (r.error) {
          if (!r.running) await this.markTerminated(id, { id, error: r.error, line: r.line, at: Date.now(), nextOffset: r.nextOffset, stats: live.stats ?? emptyStats(r.nextOffset) });
          throw new PluginLoadError(id, r.error, r.line);
        }
        const next: PluginRecord = { ...record, spec, version: record.version + 1, changedAt: Date.now(), state: 'running' };
        delete next.error;
        await this.registry.put(next);
        return this.announce(id);
      }
      if (live) await this.stopLive(id, true);
      const from = options.from ?? (record ? 'checkpoint' : 'head');
      const offset = await this.resolveStart(id, from);
      await this.launch(id, spec, offset);
      const now = Date.now();
      const next: PluginRecord = {
        id,
        spec,
        version: (record?.version ?? 0) + 1,
        state: 'running',
        deployedAt: record?.deployedAt ?? now,
        changedAt: now,
        ...(record?.lastStats ? { lastStats: record.lastStats } : {}),
      };
      await this.registry.put(next);
      return this.announce(id);
    });
  }

  /** Start a stopped or terminated plugin again (at its checkpoint unless `from` says otherwise). */
  startPlugin(id: string, options: { from?: StartFrom } = {}): Promise<PluginInfo> {
    return this.serialized(id, async () => {
      const record = this.mustGet(id);
      if (this.live.has(id) && options.from === undefined) return this.info(record);
      if (this.live.has(id)) await this.stopLive(id, true);
      const offset = await this.resolveStart(id, options.from ?? 'checkpoint');
      await this.launch(id, record.spec, offset);
      const next: PluginRecord = { ...record, state: 'running', changedAt: Date.now() };
      delete next.error;
      await this.registry.put(next);
      return this.announce(id);
    });
  }

  /** Stop and start a plugin with the same code, keeping its place and preserve_data state. */
  restartPlugin(id: string): Promise<PluginInfo> {
    return this.serialized(id, async () => {
      const record = this.mustGet(id);
      const live = this.live.get(id);
      const r = live ? await this.replaceLive(id, live, record.spec) : undefined;
      if (!live || !r) {
        const offset = live ? live.acked : await this.resolveStart(id, 'checkpoint');
        await this.launch(id, record.spec, offset);
      } else {
        await this.applyInOrder(live.thread, r.effects);
        if (r.error) {
          if (!r.running) await this.markTerminated(id, { id, error: r.error, line: r.line, at: Date.now(), nextOffset: r.nextOffset, stats: live.stats ?? emptyStats(r.nextOffset) });
          throw new PluginLoadError(id, r.error, r.line);
        }
      }
      const next: PluginRecord = { ...this.mustGet(id), state: 'running', changedAt: Date.now() };
      delete next.error;
      await this.registry.put(next);
      return this.announce(id);
    });
  }

  /** Stop a plugin cleanly (timer_event(ns, true), state saved); its outputs stay, marked stale. */
  stopPlugin(id: string): Promise<PluginInfo> {
    return this.serialized(id, async () => {
      const record = this.mustGet(id);
      if (!this.live.has(id)) return this.info(record);
      await this.stopLive(id, true);
      const current = this.mustGet(id);
      if (current.state === 'running') {
        await this.registry.put({ ...current, state: 'stopped', changedAt: Date.now() });
      }
      return this.announce(id);
    });
  }

  /** Remove a plugin: it leaves the stream, its checkpoint and saved state go; its outputs stay, marked stale. */
  deletePlugin(id: string): Promise<void> {
    return this.serialized(id, async () => {
      this.mustGet(id);
      if (this.live.has(id)) await this.stopLive(id, false);
      await this.registry.remove(id);
      this.stream.checkpoints.delete(checkpointName(id));
      this.outputs.markStale(id);
      this.debugLines.delete(id);
      this.failures.delete(id);
      this.emit({ type: 'deleted', id });
    });
  }

  /**
   * Shut down cleanly: stop the sample stream, give every plugin its
   * timer_event(ns, true), save preserve_data state and checkpoints, close
   * the outputs and the stream. Plugins that were running start again with
   * the next Engine.start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Operations already under way finish (new ones are refused).
    while (this.inProgress.size > 0) await Promise.all([...this.inProgress]);
    await this.sample?.stop();
    const results = await Promise.all(this.threads.map(async (t) => ({ thread: t, r: await t.shutdown().catch(() => undefined) })));
    for (const { thread, r } of results) {
      await this.chains.get(thread);
      if (!r) continue;
      await this.applyInOrder(thread, r.effects);
      for (const p of r.plugins) {
        const record = this.registry.get(p.id);
        if (!record) continue;
        if (p.state) await this.registry.saveState(p.id, p.state);
        this.stream.checkpoints.set(checkpointName(p.id), p.nextOffset);
        this.live.delete(p.id);
        await this.registry.put({ ...record, lastStats: p.stats });
      }
    }
    this.live.clear();
    await this.tester.close();
    await this.windowMatcher.close();
    await this.registry.settle();
    await this.outputs.close();
    await this.stream.close();
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- internals

  /** Run `op` after the plugin's earlier operations (other plugins' operations do not wait). */
  private serialized<T>(id: string, op: () => Promise<T>, allowWhenStopped = false): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.stopped && !allowWhenStopped) throw new EngineStoppedError();
      return op();
    };
    const p = (this.locks.get(id) ?? Promise.resolve()).then(run, run);
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    this.inProgress.add(settled);
    void settled.then(() => {
      this.inProgress.delete(settled);
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return p;
  }

  /**
   * Replace a live plugin's version on its thread; undefined when the thread
   * went away under it (crash or watchdog): the caller starts it afresh.
   */
  private async replaceLive(id: string, live: LivePlugin, spec: PluginSpec) {
    try {
      return await live.thread.replace(id, withEffectiveLimits(spec, this.limitCaps), preservesData(spec.config));
    } catch (err) {
      if (!(err instanceof WorkerCrashedError)) throw err;
      if (this.live.get(id) === live) this.live.delete(id);
      return undefined;
    }
  }

  private mustGet(id: string): PluginRecord {
    const r = this.registry.get(id);
    if (!r) throw new PluginNotFoundError(id);
    return r;
  }

  private newThread(index: number): AnalysisThread {
    const thread = new AnalysisThread(
      this.stream,
      {
        onBatch: (t, done) => this.chain(t, () => this.applyBatch(t, done)),
        onTick: (t, effects) => this.chain(t, () => this.applyEffects(t, effects)),
        onStats: (_t, stats) => this.applyStats(stats),
        onCrash: (t, error, blamed, cause) => this.recoverThread(t, error, blamed, cause),
      },
      { index, pid: process.pid, ...this.threadOptions },
    );
    this.chains.set(thread, Promise.resolve());
    return thread;
  }

  /** Apply a control operation's effects after the thread's earlier batches, and wait for it. */
  private applyInOrder(thread: AnalysisThread, effects: Effects): Promise<void> {
    const prev = this.chains.get(thread) ?? Promise.resolve();
    const step = prev.then(() => this.applyEffects(thread, effects));
    this.chains.set(
      thread,
      step.catch((err) => this.emit({ type: 'error', message: `applying plugin results: ${String(err)}` })),
    );
    return step;
  }

  private chain(thread: AnalysisThread, step: () => Promise<void>): void {
    const prev = this.chains.get(thread) ?? Promise.resolve();
    const next = prev.then(step).catch((err) => this.emit({ type: 'error', message: `applying plugin results: ${String(err)}` }));
    this.chains.set(thread, next);
  }

  /** Start a plugin on the least loaded responsive thread at `offset`. Throws PluginLoadError. */
  private async launch(id: string, spec: PluginSpec, offset: number, saveStart = true): Promise<void> {
    const state = preservesData(spec.config) ? await this.registry.loadState(id) : undefined;
    for (let attempt = 1; ; attempt++) {
      const thread = this.pickThread();
      let r;
      try {
        r = await thread.add(id, withEffectiveLimits(spec, this.limitCaps), offset, state);
      } catch (err) {
        // The thread went away under the add (a crash, or its watchdog): try another.
        if (err instanceof WorkerCrashedError && attempt < 3 && !this.stopped) continue;
        throw err;
      }
      this.live.set(id, { thread, acked: offset });
      await this.applyInOrder(thread, r.effects);
      if (r.error) {
        this.live.delete(id);
        throw new PluginLoadError(id, r.error, r.line);
      }
      break;
    }
    // Make the starting point durable (unless it already is: a resume at the checkpoint).
    if (saveStart) {
      this.stream.checkpoints.set(checkpointName(id), this.live.get(id)?.acked ?? offset);
      await this.stream.checkpoints.flush();
    }
  }

  /** Take a live plugin off its thread (cleanly or not), keeping its place. */
  private async stopLive(id: string, clean: boolean): Promise<void> {
    const live = this.live.get(id)!;
    let r;
    try {
      r = await live.thread.remove(id, clean);
    } catch (err) {
      if (!(err instanceof WorkerCrashedError)) throw err;
      // Its worker went away (crash, or replaced by its watchdog): the plugin
      // stops at its last acknowledged offset, without a final timer_event.
      if (this.live.get(id) !== live) return;
      this.live.delete(id);
      this.stream.checkpoints.set(checkpointName(id), live.acked);
      const record = this.registry.get(id);
      if (record && live.stats) await this.registry.put({ ...record, lastStats: live.stats });
      await this.stream.checkpoints.flush();
      this.outputs.markStale(id);
      return;
    }
    // Injections of earlier batches must be durable before the final checkpoint.
    await this.chains.get(live.thread);
    await this.applyInOrder(live.thread, r.effects);
    if (!this.live.has(id)) return; // terminated in its final timer_event
    this.live.delete(id);
    const record = this.registry.get(id);
    if (r.nextOffset >= 0) this.stream.checkpoints.set(checkpointName(id), r.nextOffset);
    if (clean && r.state) await this.registry.saveState(id, r.state);
    if (record && r.stats) await this.registry.put({ ...record, lastStats: r.stats });
    await this.stream.checkpoints.flush();
    this.outputs.markStale(id);
  }

  /** A responsive thread (ready, not deep in a long unit of work) if any, else a ready one, else any alive; the least loaded of them. */
  private pickThread(): AnalysisThread {
    const classOf = (t: AnalysisThread) => (t.responsive ? 0 : t.ready ? 1 : 2);
    let best: AnalysisThread | undefined;
    for (const t of this.threads) {
      if (!t.alive) continue;
      if (!best || classOf(t) < classOf(best) || (classOf(t) === classOf(best) && t.pluginCount < best.pluginCount)) best = t;
    }
    if (!best) throw new EngineStoppedError();
    return best;
  }

  private async resolveStart(id: string, from: StartFrom): Promise<number> {
    const head = this.stream.nextOffset;
    const first = this.stream.firstOffset;
    if (from === 'head') return head;
    if (from === 'checkpoint') return Math.min(this.stream.checkpoints.get(checkpointName(id)) ?? head, head);
    if ('offset' in from) {
      const o = from.offset;
      if (!Number.isSafeInteger(o) || o < 0) throw new StartPositionError(`offset must be a whole number >= 0, got ${o}`);
      if (o > head) throw new StartPositionError(`offset ${o} is beyond the head of the stream (${head})`);
      if (o < first) throw new StartPositionError(`offset ${o} is older than the oldest retained offset (${first})`);
      return o;
    }
    return this.offsetAtTime(timeToNs(from.time));
  }

  /**
   * The first offset whose message Timestamp is at or after `ns`, by binary
   * search over the retained stream (timestamps are assumed to grow roughly
   * with offsets, which holds for ingest-stamped and live data).
   */
  private async offsetAtTime(ns: bigint): Promise<number> {
    let lo = this.stream.firstOffset;
    let hi = this.stream.nextOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [entry] = await this.stream.read(mid, 1);
      if (!entry || entry.offset >= hi) {
        hi = mid;
        continue;
      }
      if (entry.message.timestamp < ns) lo = entry.offset + 1;
      else hi = mid;
    }
    return lo;
  }

  private async applyBatch(thread: AnalysisThread, done: BatchDone): Promise<void> {
    await this.applyEffects(thread, done);
    const at = Date.now();
    for (const [id, next] of done.progress) {
      const live = this.live.get(id);
      if (!live || live.thread !== thread || next <= live.acked) continue;
      live.acked = next;
      this.stream.checkpoints.set(checkpointName(id), next);
      if (this.listeners.size) this.emit({ type: 'progress', id, nextOffset: next, at });
    }
  }

  /** Outputs, injected messages (made durable), failures, debug lines, terminations. */
  private async applyEffects(thread: AnalysisThread, effects: Effects): Promise<void> {
    for (const o of effects.outputs) {
      try {
        this.outputs.put(o.id, o.name, o.type, o.payload, o.at);
      } catch (err) {
        if (!(err instanceof OutputError)) throw err;
        this.emit({ type: 'error', id: o.id, message: err.message });
      }
    }
    if (effects.injected.length) await this.ingestInjected(effects.injected);
    for (const f of effects.failures) {
      const list = this.failures.get(f.id) ?? [];
      list.push({ offset: f.offset, reason: f.reason });
      if (list.length > FAILURES_KEPT) list.splice(0, list.length - FAILURES_KEPT);
      this.failures.set(f.id, list);
    }
    for (const d of effects.debug) {
      const list = this.debugLines.get(d.id) ?? [];
      list.push(...d.lines);
      if (list.length > DEBUG_LINES_KEPT) list.splice(0, list.length - DEBUG_LINES_KEPT);
      this.debugLines.set(d.id, list);
      this.emit({ type: 'debug', id: d.id, lines: d.lines });
    }
    for (const t of effects.terminated) {
      thread.forget(t.id);
      await this.markTerminated(t.id, t);
    }
  }

  /** Injected messages re-enter the stream; back-pressure is waited out a few times, then they are dropped and reported. */
  private async ingestInjected(injected: { id: string; message: Message }[]): Promise<void> {
    const messages = injected.map((i) => i.message);
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.stream.ingest(messages);
        for (const x of r.rejected) {
          const id = injected[x.index].id;
          this.emit({ type: 'error', id, message: `inject_message(): message refused by the stream: ${x.reason}` });
        }
        return;
      } catch (err) {
        const retry = err instanceof LogError && err.retryAfterMs !== undefined && attempt < 5 && !this.stopped;
        if (!retry) {
          this.emit({ type: 'error', message: `inject_message(): ${messages.length} injected message(s) dropped: ${String(err)}` });
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, (err as LogError).retryAfterMs ?? 100)));
      }
    }
  }

  private async markTerminated(id: string, t: TerminationRecord): Promise<void> {
    const live = this.live.get(id);
    this.live.delete(id);
    live?.thread.forget(id);
    const record = this.registry.get(id);
    if (!record) return;
    this.stream.checkpoints.set(checkpointName(id), t.nextOffset);
    await this.registry.put({
      ...record,
      state: 'terminated',
      changedAt: t.at,
      error: { message: t.error, at: t.at, ...(t.line !== undefined ? { line: t.line } : {}) },
      lastStats: t.stats,
    });
    this.outputs.markStale(id);
    this.announce(id);
  }

  private applyStats(stats: [string, PluginStats][]): void {
    const changed: Record<string, PluginStats> = {};
    for (const [id, s] of stats) {
      const live = this.live.get(id);
      if (!live) continue;
      live.stats = s;
      changed[id] = s;
    }
    if (Object.keys(changed).length) this.emit({ type: 'stats', stats: changed });
  }

  /** Bring back the plugins that were running before the last stop or crash. */
  private async resumePlugins(): Promise<void> {
    for (const record of this.registry.list()) {
      if (record.state !== 'running') continue;
      try {
        const offset = await this.resolveStart(record.id, 'checkpoint');
        const hasCheckpoint = this.stream.checkpoints.get(checkpointName(record.id)) !== undefined;
        await this.launch(record.id, record.spec, offset, !hasCheckpoint);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const now = Date.now();
        await this.registry.put({
          ...record,
          state: 'terminated',
          changedAt: now,
          error: { message: `could not start again: ${message}`, at: now, ...(err instanceof PluginLoadError && err.line !== undefined ? { line: err.line } : {}) },
        });
      }
    }
  }

  /**
   * A worker died or its watchdog stopped it: a fresh worker takes its place
   * at once; each of its plugins, in turn with that plugin's own operations,
   * is terminated if it is to blame (with the cause), else started again at
   * its acknowledged offset on a responsive thread.
   */
  private recoverThread(thread: AnalysisThread, error: string, blamed: string[], cause: string | undefined): void {
    const index = this.threads.indexOf(thread);
    if (index < 0 || this.stopped) return;
    this.threads[index] = this.newThread(index);
    const victims = [...this.live.entries()].filter(([, l]) => l.thread === thread);
    for (const [id, l] of victims) {
      void this.serialized(id, () => this.recoverPlugin(id, l, error, blamed.includes(id) ? (cause ?? `the analysis worker crashed while running this plugin: ${error}`) : undefined), true);
    }
    void Promise.all(victims.map(([id]) => this.locks.get(id))).then(() => this.chains.delete(thread));
  }

  private async recoverPlugin(id: string, l: LivePlugin, error: string, blame: string | undefined): Promise<void> {
    // Effects of the batches it finished before the crash come first.
    await this.chains.get(l.thread);
    if (this.stopped || this.live.get(id) !== l) return; // stopped, deleted or moved meanwhile
    this.live.delete(id);
    const record = this.registry.get(id);
    if (!record) return;
    if (blame !== undefined) {
      await this.markTerminatedRecord(record, blame, l);
      return;
    }
    try {
      await this.launch(id, record.spec, l.acked);
      this.emit({ type: 'error', id, message: `restarted after its analysis worker was replaced: ${error}` });
    } catch (err) {
      await this.markTerminatedRecord(record, `could not start again after its analysis worker was replaced: ${String(err)}`, l);
    }
  }

  private async markTerminatedRecord(record: PluginRecord, message: string, l: LivePlugin): Promise<void> {
    const now = Date.now();
    this.stream.checkpoints.set(checkpointName(record.id), l.acked);
    await this.registry.put({
      ...record,
      state: 'terminated',
      changedAt: now,
      error: { message, at: now },
      ...(l.stats ? { lastStats: l.stats } : {}),
    });
    this.outputs.markStale(record.id);
    this.announce(record.id);
  }

  private info(r: PluginRecord): PluginInfo {
    const live = this.live.get(r.id);
    const nextOffset = live ? live.acked : this.stream.checkpoints.get(checkpointName(r.id));
    return {
      id: r.id,
      owner: r.spec.owner,
      name: r.spec.name,
      version: r.version,
      state: r.state,
      deployedAt: r.deployedAt,
      changedAt: r.changedAt,
      spec: r.spec,
      limits: effectiveLimits(r.spec.config, this.limitCaps),
      ...(r.error ? { error: r.error } : {}),
      stats: live?.stats ?? r.lastStats,
      nextOffset,
      lag: nextOffset === undefined ? undefined : Math.max(0, this.stream.nextOffset - nextOffset),
      ...(live ? { thread: live.thread.index } : {}),
    };
  }

  private announce(id: string): PluginInfo {
    const info = this.info(this.mustGet(id));
    this.emit({ type: 'plugin', plugin: info });
    return info;
  }

  private emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not break the engine.
      }
    }
  }
}

function timeToNs(t: Date | string | bigint): bigint {
  if (typeof t === 'bigint') return t;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (!Number.isFinite(ms)) throw new StartPositionError('invalid Date');
    return BigInt(ms) * 1_000_000n;
  }
  const ns = parseRfc3339(t);
  if (ns === undefined) throw new StartPositionError(`not an RFC 3339 time: ${JSON.stringify(t)}`);
  return ns;
}
