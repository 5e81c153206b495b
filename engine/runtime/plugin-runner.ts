/**
 * One deployed plugin as the analysis loop drives it: its sandbox, its place
 * in the stream (next offset), its ticker, and the numbers behind its stats.
 * The same class runs plugins in worker threads and in testPlugin(), so a
 * test run behaves exactly like the live engine.
 */
import { utf8Literal, type ByteLiteral } from '../message/byte-literal';
import { encodedSize } from '../message/protobuf';
import type { Message } from '../message/message';
import { createPlugin, type BatchResult, type CallResult, type PluginSandbox } from '../sandbox';
import { pluginId, pluginLogger, tickerInterval, type PluginSpec } from './plugin-spec';
import { emptyStats, type PluginStats } from './plugin-stats';

export interface RunnerOptions {
  spec: PluginSpec;
  /** First offset this plugin will process. */
  nextOffset: number;
  /** preserve_data state to restore. */
  state?: Uint8Array;
  /** File name shown in errors (default `<name>.js`). */
  filename?: string;
  hostname: string;
  pid: number;
  /** Clock for the ticker, ms. */
  now: number;
}

export interface LoadFailure {
  error: string;
  line?: number;
  effects: CallResult;
}

/** Most print() lines kept per call for a deployed plugin; the rest are counted. */
export const MAX_DEBUG_LINES_PER_CALL = 100;

export class PluginRunner {
  readonly id: string;
  readonly logger: string;
  /** `logger` as UTF-8, to compare with a record's Logger in place. */
  readonly loggerUtf8: ByteLiteral;
  readonly spec: PluginSpec;
  readonly filename: string;
  readonly tickerMs: number;
  nextOffset: number;
  nextTickAt: number;
  /** Worker bookkeeping: true while the current batch covers this plugin's next offset. */
  active = false;
  /** Something changed (matcher work, messages, timer_event) since the last stats() call. */
  ranSinceStats = true;
  /** The sandbox ran since its stats were last read (reading them measures its heap). */
  private sandboxRan = true;
  private lastSandboxStats: ReturnType<PluginSandbox['stats']> | undefined;
  /** Matched messages of the current batch, and their offsets. */
  pending: Message[] = [];
  pendingOffsets: number[] = [];

  private matcherEvaluations = 0;
  private matched = 0;
  private matcherNs = 0;
  private injectBytes = 0;
  private busyNs = 0;
  private busyNsAtReport = 0;
  private reportedAt: number;
  private lastUtilization = 0;
  private disposed = false;

  private constructor(
    private readonly sandbox: PluginSandbox,
    opts: RunnerOptions,
    filename: string,
  ) {
    this.spec = opts.spec;
    this.id = pluginId(opts.spec.owner, opts.spec.name);
    this.logger = pluginLogger(this.id);
    this.loggerUtf8 = utf8Literal(this.logger);
    this.filename = filename;
    this.tickerMs = tickerInterval(opts.spec.config) * 1000;
    this.nextOffset = opts.nextOffset;
    this.nextTickAt = this.tickerMs > 0 ? opts.now + this.tickerMs : Infinity;
    this.reportedAt = opts.now;
  }

  /** Load the plugin (run its top-level code, restore its state). */
  static async load(opts: RunnerOptions): Promise<{ runner: PluginRunner; effects: CallResult } | LoadFailure> {
    const filename = opts.filename ?? `${opts.spec.name}.js`;
    let sandbox: PluginSandbox;
    try {
      sandbox = await createPlugin({
        owner: opts.spec.owner,
        name: opts.spec.name,
        source: opts.spec.code,
        config: opts.spec.config,
        filename,
        preservedState: opts.state === undefined ? undefined : new TextDecoder().decode(opts.state),
        host: { hostname: opts.hostname, pid: opts.pid },
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { error, line: lineOf(error, filename), effects: emptyCallResult() };
    }
    const effects = sandbox.loadResult;
    for (const w of sandbox.warnings) effects.debug.push(`warning: ${w}`);
    if (sandbox.terminated) {
      const error = sandbox.terminated.error;
      sandbox.dispose();
      return { error, line: lineOf(error, filename), effects };
    }
    const runner = new PluginRunner(sandbox, opts, filename);
    runner.countInjected(effects.injected);
    return { runner, effects };
  }

  /** Count matcher work done for this plugin over a batch. */
  noteMatcher(evaluations: number, ns: number): void {
    this.matcherEvaluations += evaluations;
    this.matcherNs += ns;
    this.busyNs += ns;
    if (evaluations > 0) this.ranSinceStats = true;
  }

  /** Run process_message over the pending matched messages, in order. */
  processPending(): BatchResult {
    const messages = this.pending;
    this.matched += messages.length;
    this.ranSinceStats = true;
    this.sandboxRan = true;
    const t0 = process.hrtime.bigint();
    const result = this.sandbox.processMessages(messages);
    this.busyNs += Number(process.hrtime.bigint() - t0);
    this.countInjected(result.injected);
    return result;
  }

  timerEvent(ns: number, shutdown: boolean): CallResult {
    this.ranSinceStats = true;
    this.sandboxRan = true;
    const t0 = process.hrtime.bigint();
    const result = this.sandbox.timerEvent(ns, shutdown);
    this.busyNs += Number(process.hrtime.bigint() - t0);
    this.countInjected(result.injected);
    return result;
  }

  /** The preserve_data state, or undefined when the plugin does not preserve data. */
  saveState(): Uint8Array | undefined {
    const s = this.sandbox.saveState();
    return s === undefined ? undefined : new TextEncoder().encode(s);
  }

  /** Problems the sandbox noted without stopping the plugin (a state not restored or not saved). */
  get warnings(): readonly string[] {
    return this.sandbox.warnings;
  }

  stats(now: number): PluginStats {
    this.ranSinceStats = false;
    if (this.sandboxRan || !this.lastSandboxStats) {
      this.lastSandboxStats = this.sandbox.stats();
      this.sandboxRan = false;
    }
    const sb = this.lastSandboxStats;
    const wall = now - this.reportedAt;
    if (wall >= 100) {
      this.lastUtilization = Math.min(1, (this.busyNs - this.busyNsAtReport) / (wall * 1e6));
      this.busyNsAtReport = this.busyNs;
      this.reportedAt = now;
    }
    const s = emptyStats(this.nextOffset);
    s.processMessageCount = sb.processed;
    s.processMessageFailures = sb.failures;
    s.injectMessageCount = sb.injectedMessages + sb.injectedPayloads;
    s.injectMessageBytes = this.injectBytes;
    s.currentMemory = sb.memoryBytes;
    s.maxMemory = sb.maxMemoryBytes;
    s.maxOutput = sb.maxOutputBytes;
    s.matcherEvaluations = this.matcherEvaluations;
    s.matched = this.matched;
    s.matcherAvgNs = this.matcherEvaluations ? this.matcherNs / this.matcherEvaluations : 0;
    s.processMessageAvgNs = sb.processed ? sb.processNsTotal / sb.processed : 0;
    s.timerEventAvgNs = sb.timerEvents ? sb.timerNsTotal / sb.timerEvents : 0;
    s.timerEventCount = sb.timerEvents;
    s.utilization = this.lastUtilization;
    s.updatedAt = Date.now();
    return s;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.sandbox.dispose();
  }

  /** The line number in this plugin's file that an error message names. */
  lineOf(error: string): number | undefined {
    return lineOf(error, this.filename);
  }

  /** inject_message bytes for the stats (the sandbox stamps Logger, Hostname, Pid, Timestamp). */
  private countInjected(messages: Message[]): void {
    for (const m of messages) {
      try {
        this.injectBytes += encodedSize(m);
      } catch {
        // Counted by the stream when it refuses the message.
      }
    }
  }
}

/** `file.js:12` in an error message gives line 12. */
export function lineOf(error: string, filename: string): number | undefined {
  const at = error.indexOf(filename + ':');
  if (at < 0) return undefined;
  const m = /^(\d+)/.exec(error.slice(at + filename.length + 1));
  return m ? Number(m[1]) : undefined;
}

function emptyCallResult(): CallResult {
  return { outputs: [], injected: [], debug: [] };
}
