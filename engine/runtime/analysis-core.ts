/**
 * The analysis loop of one worker thread, free of any threading so it runs
 * the same in a worker, in testPlugin() and in unit tests: a set of plugins,
 * one MatcherIndex over their matchers, and per batch:
 *
 *   1. each message (read in place, see processRecords) goes through the
 *      index, which runs only the matchers that can match it;
 *   2. each plugin then gets its matched messages in log order through one
 *      sandbox.processMessages() call.
 *
 * A plugin takes part in a batch only when its next offset lies in the
 * batch's range, and only from that offset on, so a batch a plugin has
 * already seen (after a backfill rewound the feed) is skipped, and a plugin
 * waiting for older messages ignores newer ones until they come.
 *
 * A plugin never receives messages it injected itself (Logger equal to its
 * own): that would let a plugin whose matcher accepts its own output loop
 * on it. Hindsight's analysis plugins never see injected messages at all;
 * here other plugins do.
 */
import { readMessageLazily, STRING_HEADER_SLOTS, type LazyMessage } from '../message/lazy-message';
import type { Message } from '../message/message';
import { compileMatcher } from '../matcher';
import { MatcherIndex } from './matcher-index';
import { MAX_DEBUG_LINES_PER_CALL, PluginRunner } from './plugin-runner';
import type { PluginSpec } from './plugin-spec';
import type { PluginStats } from './plugin-stats';
import { emptyEffects, type Effects } from './worker-protocol';
import type { BatchResult, CallResult } from '../sandbox';

const LOGGER_SLOT = STRING_HEADER_SLOTS.Logger;

export interface CoreEnv {
  hostname: string;
  pid: number;
  /** Wall clock, ms. */
  now: () => number;
  /** Told which plugin (by slot) is running, -1 when none: crash blame for the worker. */
  setBusy?: (slot: number) => void;
  /** print() lines kept per call and failures kept per batch, per plugin (default 100 each). */
  maxDebugLines?: number;
  maxFailures?: number;
}

export interface AddResult {
  error?: string;
  line?: number;
  effects: Effects;
}

export interface StoppedPlugin {
  id: string;
  nextOffset: number;
  state?: Uint8Array;
  stats: PluginStats;
}

interface Slotted {
  runner: PluginRunner;
  slot: number;
}

export class AnalysisCore {
  private readonly plugins = new Map<string, Slotted>();
  private readonly index = new MatcherIndex<PluginRunner>();
  private readonly slots = new Map<PluginRunner, number>();
  private activeList: PluginRunner[] = [];

  constructor(private readonly env: CoreEnv) {}

  get size(): number {
    return this.plugins.size;
  }

  has(id: string): boolean {
    return this.plugins.has(id);
  }

  ids(): string[] {
    return [...this.plugins.keys()];
  }

  nextOffsetOf(id: string): number | undefined {
    return this.plugins.get(id)?.runner.nextOffset;
  }

  /** Whether any plugin will process something in [rangeStart, rangeEnd) (else the batch need not be decoded). */
  wants(rangeStart: number, rangeEnd: number): boolean {
    for (const { runner } of this.plugins.values()) {
      if (runner.nextOffset >= rangeStart && runner.nextOffset < rangeEnd) return true;
    }
    return false;
  }

  /** Load a plugin and start it at `nextOffset`. */
  async add(id: string, slot: number, spec: PluginSpec, nextOffset: number, state?: Uint8Array, filename?: string): Promise<AddResult> {
    if (this.plugins.has(id)) return { error: `plugin ${id} is already running`, effects: emptyEffects() };
    const loaded = await this.load(slot, spec, nextOffset, state, filename);
    if ('error' in loaded) return loaded;
    this.install(loaded.runner, slot);
    return { effects: loaded.effects };
  }

  /**
   * Replace a running plugin by a new version that starts exactly at the old
   * one's next offset. The new version is loaded first: if it fails, the old
   * one keeps running and the error is returned.
   */
  async replace(
    id: string,
    slot: number,
    spec: PluginSpec,
    keepState: boolean,
    filename?: string,
  ): Promise<AddResult & { nextOffset: number; running: boolean }> {
    const old = this.plugins.get(id);
    if (!old) return { error: `plugin ${id} is not running`, effects: emptyEffects(), nextOffset: -1, running: false };
    // Validate the new version before touching the old one.
    const probe = await this.load(slot, spec, old.runner.nextOffset, undefined, filename);
    if ('error' in probe) return { ...probe, nextOffset: old.runner.nextOffset, running: true };
    const stopped = this.stop(id, true);
    const effects = stopped.effects;
    // The old version failing in its final timer_event does not stop the new one.
    effects.terminated = effects.terminated.filter((t) => {
      if (t.id !== id) return true;
      pushDebug(effects, id, [`the previous version terminated in its final timer_event: ${t.error}`]);
      return false;
    });
    let runner = probe.runner;
    if (keepState && stopped.plugin.state) {
      // Reload with the old version's state (the probe had none).
      probe.runner.dispose();
      const withState = await this.load(slot, spec, stopped.plugin.nextOffset, stopped.plugin.state, filename);
      if ('error' in withState) {
        mergeEffects(effects, withState.effects);
        return { error: withState.error, line: withState.line, effects, nextOffset: stopped.plugin.nextOffset, running: false };
      }
      runner = withState.runner;
      mergeEffects(effects, withState.effects);
    } else {
      runner.nextOffset = stopped.plugin.nextOffset;
      mergeEffects(effects, probe.effects);
    }
    this.install(runner, slot);
    return { effects, nextOffset: runner.nextOffset, running: true };
  }

  /**
   * Stop a plugin: with `clean`, timer_event(ns, true) and its preserve_data
   * state; then dispose of it. Unknown ids give undefined.
   */
  remove(id: string, clean: boolean): { plugin: StoppedPlugin; effects: Effects } | undefined {
    if (!this.plugins.has(id)) return undefined;
    return this.stop(id, clean);
  }

  /**
   * Run a batch of encoded records as the engine packs them: record i is
   * data[ends[i - 1], ends[i]) (from 0 for the first), at offsets[i]. Each
   * record is read in place (LazyMessage): the matcher and the plugins read a
   * few values of each message, so decoding all of them up front was most of
   * the work. A record that does not decode is skipped, as the stream skips
   * undecodable records (the stream stores only messages that decode).
   */
  processRecords(
    rangeStart: number,
    rangeEnd: number,
    offsets: ArrayLike<number>,
    ends: ArrayLike<number>,
    data: Uint8Array,
  ): { progress: [string, number][]; effects: Effects } {
    const n = offsets.length;
    const messages: Message[] = [];
    const kept: number[] = [];
    let start = 0;
    for (let i = 0; i < n; i++) {
      const end = ends[i];
      try {
        messages.push(readMessageLazily(data, start, end));
        kept.push(offsets[i]);
      } catch {
        // skipped, see above
      }
      start = end;
    }
    return this.processBatch(rangeStart, rangeEnd, kept, messages);
  }

  /**
   * Run a batch covering offsets [rangeStart, rangeEnd); `offsets[i]` is the
   * offset of `messages[i]`. Returns each participating plugin's new next
   * offset and what the plugins produced.
   */
  processBatch(
    rangeStart: number,
    rangeEnd: number,
    offsets: ArrayLike<number>,
    messages: readonly Message[],
  ): { progress: [string, number][]; effects: Effects } {
    const effects = emptyEffects();
    const progress: [string, number][] = [];
    const active = this.activeList;
    active.length = 0;
    for (const { runner } of this.plugins.values()) {
      runner.active = runner.nextOffset >= rangeStart && runner.nextOffset < rangeEnd;
      if (runner.active) {
        // Empty after every batch; fresh arrays only if one was cut short. Most
        // plugins match nothing in a batch: allocating for each would make the
        // cost grow with the number of plugins.
        if (runner.pending.length > 0 || runner.pendingOffsets.length > 0) {
          runner.pending = [];
          runner.pendingOffsets = [];
        }
        active.push(runner);
      }
    }
    if (active.length === 0) return { progress, effects };

    // 1. Match: each message once through the index.
    const t0 = process.hrtime.bigint();
    let considered = 0;
    let off = 0;
    let msg: Message;
    let inPlace = false;
    // A plugin never sees its own injected messages: Logger compared in the record's bytes when read in place.
    const ownMessage = (r: PluginRunner): boolean =>
      inPlace ? (msg as LazyMessage).headerEquals(LOGGER_SLOT, r.loggerUtf8) : msg.logger === r.logger;
    const deliver = (items: readonly PluginRunner[]): void => {
      for (let k = 0; k < items.length; k++) {
        const r = items[k];
        if (r.active && off >= r.nextOffset && !ownMessage(r)) {
          r.pending.push(msg);
          r.pendingOffsets.push(off);
        }
      }
    };
    for (let i = 0; i < messages.length; i++) {
      off = offsets[i];
      msg = messages[i];
      inPlace = (msg as Partial<LazyMessage>).readInPlace === true;
      considered++;
      this.index.match(msg, deliver);
    }
    const matchNs = Number(process.hrtime.bigint() - t0);
    const share = matchNs / active.length;

    // 2. Process: each plugin's matched messages in log order.
    for (const runner of active) {
      const start = runner.nextOffset;
      // Messages this plugin looked at: those at or after its next offset (offsets ascend).
      const seen = offsets.length - lowerBound(offsets, start);
      runner.noteMatcher(seen, considered ? (share * seen) / considered : 0);
      let result: BatchResult | undefined;
      if (runner.pending.length > 0) {
        this.env.setBusy?.(this.slots.get(runner) ?? -1);
        result = runner.processPending();
        this.env.setBusy?.(-1);
        this.collect(runner, result, effects);
        const maxFailures = this.env.maxFailures ?? 100;
        for (let k = 0; k < result.failures.length && k < maxFailures; k++) {
          const f = result.failures[k];
          effects.failures.push({ id: runner.id, offset: runner.pendingOffsets[f.index], reason: f.reason });
        }
      }
      runner.active = false;
      const pendingOffsets = runner.pendingOffsets;
      if (pendingOffsets.length > 0) {
        runner.pending = [];
        runner.pendingOffsets = [];
      }
      if (result?.terminated) {
        const at = pendingOffsets[result.terminated.index] ?? runner.nextOffset;
        runner.nextOffset = at;
        this.terminate(runner, result.terminated.error, effects);
        continue;
      }
      runner.nextOffset = rangeEnd;
      progress.push([runner.id, rangeEnd]);
    }
    return { progress, effects };
  }

  /** Fire the timer_event of every plugin whose ticker is due at `now` (ms). */
  tick(now: number): Effects {
    const effects = emptyEffects();
    for (const { runner } of [...this.plugins.values()]) {
      if (now < runner.nextTickAt) continue;
      runner.nextTickAt = Math.max(runner.nextTickAt + runner.tickerMs, now + 1);
      const ns = Math.floor(now / 1000) * 1e9;
      this.env.setBusy?.(this.slots.get(runner) ?? -1);
      const result = runner.timerEvent(ns, false);
      this.env.setBusy?.(-1);
      this.collectCall(runner, result, effects);
      if (result.terminated) this.terminate(runner, result.terminated.error, effects);
    }
    return effects;
  }

  /** The earliest pending ticker, ms (Infinity when none). */
  nextTickAt(): number {
    let t = Infinity;
    for (const { runner } of this.plugins.values()) t = Math.min(t, runner.nextTickAt);
    return t;
  }

  /** Stop every plugin cleanly (engine shutdown). */
  shutdown(): { plugins: StoppedPlugin[]; effects: Effects } {
    const effects = emptyEffects();
    const plugins: StoppedPlugin[] = [];
    for (const id of [...this.plugins.keys()]) {
      const r = this.stop(id, true);
      mergeEffects(effects, r.effects);
      plugins.push(r.plugin);
    }
    return { plugins, effects };
  }

  /**
   * Every plugin's stats; with `changedOnly`, only those that ran something
   * since their last report (measuring a sandbox's memory is not free, and
   * idle plugins are the common case).
   */
  stats(changedOnly = false): [string, PluginStats][] {
    const now = this.env.now();
    const out: [string, PluginStats][] = [];
    for (const { runner } of this.plugins.values()) {
      if (changedOnly && !runner.ranSinceStats) continue;
      out.push([runner.id, runner.stats(now)]);
    }
    return out;
  }

  // ---------------------------------------------------------------------------

  private async load(slot: number, spec: PluginSpec, nextOffset: number, state: Uint8Array | undefined, filename?: string) {
    void slot;
    try {
      compileMatcher(String(spec.config.message_matcher));
    } catch (err) {
      return { error: `invalid message_matcher: ${err instanceof Error ? err.message : String(err)}`, effects: emptyEffects() };
    }
    const loaded = await PluginRunner.load({
      spec,
      nextOffset,
      state,
      filename,
      hostname: this.env.hostname,
      pid: this.env.pid,
      now: this.env.now(),
    });
    if ('error' in loaded) {
      return { error: loaded.error, line: loaded.line, effects: this.effectsOfFailedLoad(spec, loaded.effects) };
    }
    return { runner: loaded.runner, effects: this.effectsOf(loaded.runner, loaded.effects) };
  }

  private install(runner: PluginRunner, slot: number): void {
    this.plugins.set(runner.id, { runner, slot });
    this.slots.set(runner, slot);
    this.index.add(runner, String(runner.spec.config.message_matcher));
  }

  private uninstall(runner: PluginRunner): void {
    this.plugins.delete(runner.id);
    this.slots.delete(runner);
    this.index.remove(runner);
  }

  private stop(id: string, clean: boolean): { plugin: StoppedPlugin; effects: Effects } {
    const { runner } = this.plugins.get(id)!;
    const effects = emptyEffects();
    let state: Uint8Array | undefined;
    let terminated = false;
    if (clean) {
      const ns = Math.floor(this.env.now() / 1000) * 1e9;
      const result = runner.timerEvent(ns, true);
      this.collectCall(runner, result, effects);
      if (result.terminated) {
        // Terminated during its final timer_event: like Hindsight, no state is saved.
        terminated = true;
        this.terminate(runner, result.terminated.error, effects);
      } else {
        state = safeSaveState(runner, effects);
      }
    }
    const stats = runner.stats(this.env.now());
    if (!terminated) {
      this.uninstall(runner);
      runner.dispose();
    }
    return { plugin: { id, nextOffset: runner.nextOffset, state, stats }, effects };
  }

  private terminate(runner: PluginRunner, error: string, effects: Effects): void {
    effects.terminated.push({
      id: runner.id,
      error,
      line: runner.lineOf(error),
      at: Date.now(),
      nextOffset: runner.nextOffset,
      stats: runner.stats(this.env.now()),
    });
    this.uninstall(runner);
    runner.dispose();
  }

  private collect(runner: PluginRunner, result: BatchResult, effects: Effects): void {
    const at = Date.now();
    for (const o of result.outputs) effects.outputs.push({ id: runner.id, name: o.name, type: o.type, payload: o.payload, at });
    for (const m of result.injected) effects.injected.push({ id: runner.id, message: m });
    pushDebug(effects, runner.id, result.debug, this.env.maxDebugLines);
  }

  private collectCall(runner: PluginRunner, result: CallResult, effects: Effects): void {
    const at = Date.now();
    for (const o of result.outputs) effects.outputs.push({ id: runner.id, name: o.name, type: o.type, payload: o.payload, at });
    for (const m of result.injected) effects.injected.push({ id: runner.id, message: m });
    pushDebug(effects, runner.id, result.debug, this.env.maxDebugLines);
  }

  private effectsOf(runner: PluginRunner, result: CallResult): Effects {
    const effects = emptyEffects();
    this.collectCall(runner, result, effects);
    return effects;
  }

  private effectsOfFailedLoad(spec: PluginSpec, result: CallResult): Effects {
    const effects = emptyEffects();
    pushDebug(effects, `${spec.owner}.${spec.name}`, result.debug, this.env.maxDebugLines);
    return effects;
  }
}

function safeSaveState(runner: PluginRunner, effects: Effects): Uint8Array | undefined {
  try {
    return runner.saveState();
  } catch (err) {
    pushDebug(effects, runner.id, [`preserve_data: state could not be saved: ${err instanceof Error ? err.message : String(err)}`]);
    return undefined;
  }
}

function pushDebug(effects: Effects, id: string, lines: string[], max = MAX_DEBUG_LINES_PER_CALL): void {
  if (lines.length === 0) return;
  const kept = lines.length > max ? lines.slice(0, max) : lines.slice();
  if (lines.length > kept.length) kept.push(`... ${lines.length - kept.length} more lines`);
  effects.debug.push({ id, lines: kept });
}

export function mergeEffects(into: Effects, from: Effects): void {
  into.outputs.push(...from.outputs);
  into.injected.push(...from.injected);
  into.terminated.push(...from.terminated);
  into.debug.push(...from.debug);
  into.failures.push(...from.failures);
}

/** First index i with sorted[i] >= value. */
function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
