/**
 * The PortalEngine over the real engine runtime (engine/runtime): Run Matcher
 * scans the stream's in-memory window in a worker with a time budget (one
 * scan per user), Test Plugin runs the plugin in a fairly shared runner
 * over the window's newest messages, Deploy/Stop/Restart/
 * Delete are the Engine's own operations, and stats and outputs come from the
 * Engine and its OutputStore. Imported only by server.ts (never by bundled
 * route handlers: the engine starts worker threads from files on disk);
 * route handlers reach it through the globalThis singleton in lib/engine.ts.
 */
import { compileMatcher, ingestHindsight, ingestNdjson, LogError, MatcherError, type MessageStream } from '../engine/index';
import { Engine, PoolBusyError, type PluginInfo, type TestPluginResult } from '../engine/runtime/index';
import { EngineBusyError } from './engine';
import type {
  EngineStatus,
  IngestFormat,
  IngestResult,
  MatcherRunResult,
  OutputContent,
  OutputSummary,
  PluginDefinitionInput,
  PluginStats,
  PluginTestReport,
  PortalEngine,
} from './engine';
import { MessageRate } from './message-rate';
import { LIMIT_CONFIG_KEY_NAMES, RESERVED_CONFIG_KEYS, type LimitCaps } from './validations/plugin';
import { toMessageView } from './message-view';

/** Messages of the window that Test Plugin runs over (newest first would reorder; these are the newest, in order). */
const TEST_WINDOW = 20_000;
/** Distinct outputs shown by Test Plugin (each with its final value). */
const TEST_OUTPUTS_SHOWN = 50;
const TEST_INJECTED_SHOWN = 50;

export interface PortalEngineOptions {
  dataDir: string;
  /** Messages per second of the built-in sample stream; 0 turns it off. */
  sampleRate: number;
  workers?: number;
  /** The platform's caps on plugin limits (lib/env.ts readLimitCaps). */
  limitCaps?: LimitCaps;
}

export class RuntimePortalEngine implements PortalEngine {
  /** Messages/s per plugin, from its stats readings. */
  private readonly rates = new Map<string, MessageRate>();

  private constructor(readonly engine: Engine) {}

  static async start(options: PortalEngineOptions): Promise<RuntimePortalEngine> {
    const engine = await Engine.start({
      dataDir: options.dataDir,
      workers: options.workers,
      limitCaps: options.limitCaps,
      sampleStream: options.sampleRate > 0 ? { rate: options.sampleRate } : false,
    });
    return new RuntimePortalEngine(engine);
  }

  async runMatcher(request: { owner?: string; matcher: string; offset: number; limit: number; signal?: AbortSignal }): Promise<MatcherRunResult> {
    try {
      const run = await this.engine.runMatcher({ ...request, owner: request.owner ?? 'anonymous' });
      return {
        ok: true,
        windowSize: run.total,
        scanned: run.scanned,
        matched: run.matched,
        offset: run.offset,
        messages: run.entries.map((e) => toMessageView(e.message)),
        elapsedMs: run.elapsedMs,
        ...(run.cutShort ? { cutShort: run.cutShort } : {}),
      };
    } catch (err) {
      if (err instanceof MatcherError) return { ok: false, error: { message: err.reason, position: err.position } };
      if (err instanceof PoolBusyError) throw new EngineBusyError(err.message, 1000);
      throw err;
    }
  }

  async ingest(request: { format: IngestFormat; body: Uint8Array; maxErrors: number }): Promise<IngestResult> {
    return ingestIntoStream(this.engine.stream, request);
  }

  async testPlugin(definition: PluginDefinitionInput): Promise<PluginTestReport> {
    const started = performance.now();
    try {
      compileMatcher(definition.matcher);
    } catch (err) {
      if (!(err instanceof MatcherError)) throw err;
      return {
        passed: false,
        matcherError: { message: err.reason, position: err.position },
        scanned: 0,
        matched: 0,
        processed: 0,
        failures: [],
        outputs: [],
        debug: [],
        injected: [],
        elapsedMs: performance.now() - started,
      };
    }
    let result: TestPluginResult;
    try {
      result = await this.engine.testPluginOnWindow(
        { owner: definition.owner, name: definition.name, code: definition.source, config: engineConfig(definition) },
        TEST_WINDOW,
        { filename: `${definition.name}.js`, owner: definition.owner },
      );
    } catch (err) {
      if (err instanceof PoolBusyError) throw new EngineBusyError(err.message, 2000);
      throw err;
    }
    return testReport(result, performance.now() - started);
  }

  async deployPlugin(definition: PluginDefinitionInput): Promise<void> {
    await this.engine.deploy({
      owner: definition.owner,
      name: definition.name,
      code: definition.source,
      config: engineConfig(definition),
    });
  }

  async stopPlugin(id: string): Promise<void> {
    await this.engine.stopPlugin(id);
  }

  async restartPlugin(id: string): Promise<void> {
    await this.engine.restartPlugin(id);
  }

  async deletePlugin(id: string): Promise<void> {
    await this.engine.deletePlugin(id);
    this.rates.delete(id);
  }

  pluginStats(): PluginStats[] {
    return this.engine.plugins().map((p) => this.statsView(p));
  }

  /** One plugin's live figures, or null when it is gone (for the live pushes of a watched row). */
  pluginStatsOf(id: string): PluginStats | null {
    const p = this.engine.plugin(id);
    return p ? this.statsView(p) : null;
  }

  listOutputs(): OutputSummary[] {
    return this.engine.outputs.list().map(outputSummary);
  }

  /** One output's summary, or null when it is gone (for the live pushes of a watched row). */
  outputSummaryOf(name: string): OutputSummary | null {
    const o = this.engine.outputs.summary(name);
    return o ? outputSummary(o) : null;
  }

  readOutput(name: string): OutputContent | null {
    const o = this.engine.outputs.get(name);
    if (!o) return null;
    return {
      name: o.key,
      plugin: o.plugin,
      bytes: o.size,
      updatedAt: new Date(o.updatedAt).toISOString(),
      stale: o.stale,
      content: o.payload,
    };
  }

  engineStatus(): EngineStatus {
    const s = this.engine.stream.stats();
    return {
      at: Date.now(),
      stream: {
        firstOffset: s.log.firstOffset,
        nextOffset: s.log.nextOffset,
        bytes: s.log.bytes,
        segments: s.log.segments,
        ingested: s.ingested,
        rejected: s.rejected,
        window: s.window.size,
        windowCapacity: s.window.capacity,
      },
      workers: this.engine.workers().map((w) => ({
        index: w.index,
        plugins: w.plugins,
        activeMs: w.activeMs,
        ...(w.cpuMs !== undefined ? { cpuMs: w.cpuMs } : {}),
      })),
    };
  }

  async close(): Promise<void> {
    await this.engine.stop();
  }

  private statsView(p: PluginInfo): PluginStats {
    const s = p.stats;
    const count = s?.processMessageCount ?? 0;
    const now = s?.updatedAt ?? Date.now();
    let rates = this.rates.get(p.id);
    if (!rates) this.rates.set(p.id, (rates = new MessageRate()));
    const measured = rates.update(count, now);
    const rate = p.state === 'running' ? measured : 0;
    const view: PluginStats = {
      id: p.id,
      state: p.state,
      processed: count,
      rate: Math.max(0, rate),
      failures: s?.processMessageFailures ?? 0,
      memoryBytes: s?.currentMemory ?? 0,
      maxMemoryBytes: s?.maxMemory ?? 0,
      avgProcessNs: s?.processMessageAvgNs ?? 0,
      avgTimerNs: s?.timerEventAvgNs ?? 0,
      limits: p.limits,
    };
    if (p.error) {
      view.error = { message: p.error.message, at: new Date(p.error.at).toISOString() };
      if (p.error.line !== undefined) view.error.line = p.error.line;
    }
    return view;
  }
}

/**
 * An HTTP body into the stream: the valid messages as one batch, each bad
 * line or record with its reason. A refusal by the stream (LogError) becomes
 * an IngestRefusal: the batch was refused whole, nothing was appended.
 */
export async function ingestIntoStream(
  stream: MessageStream,
  request: { format: IngestFormat; body: Uint8Array; maxErrors: number },
): Promise<IngestResult> {
  const options = { maxRejections: request.maxErrors };
  try {
    const summary =
      request.format === 'ndjson'
        ? await ingestNdjson(stream, request.body, options)
        : await ingestHindsight(stream, request.body, options);
    return {
      ok: true,
      accepted: summary.accepted,
      rejected: summary.rejectedCount,
      errors: summary.rejected,
      errorsOmitted: summary.rejectedCount - summary.rejected.length,
    };
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    if (err.code === 'DISK_FULL' || err.code === 'OVERLOADED') {
      return { ok: false, refusal: { code: err.code, message: err.message, retryAfterMs: err.retryAfterMs ?? 1000 } };
    }
    return { ok: false, refusal: { code: 'UNAVAILABLE', message: err.message, retryAfterMs: err.retryAfterMs ?? 5000 } };
  }
}

function outputSummary(o: { key: string; plugin: string; size: number; updatedAt: number; stale: boolean }): OutputSummary {
  return { name: o.key, plugin: o.plugin, bytes: o.size, updatedAt: new Date(o.updatedAt).toISOString(), stale: o.stale };
}

/** The portal's config form as the engine's Hindsight-style configuration. */
function engineConfig(definition: PluginDefinitionInput): Record<string, string | number | boolean> {
  const config: Record<string, string | number | boolean> = { ...definition.config.user };
  // A config saved before these keys were reserved may still carry them among the user's keys: never pass those on.
  for (const key of RESERVED_CONFIG_KEYS) delete config[key];
  for (const key of LIMIT_CONFIG_KEY_NAMES) {
    const asked = definition.config[key];
    if (asked !== undefined) config[key] = asked;
  }
  return {
    ...config,
    message_matcher: definition.matcher,
    ticker_interval: definition.config.ticker_interval,
    preserve_data: definition.config.preserve_data,
  };
}

function testReport(result: TestPluginResult, elapsedMs: number): PluginTestReport {
  const failures = new Map<string, number>();
  for (const f of result.failures) failures.set(f.reason, (failures.get(f.reason) ?? 0) + 1);
  const report: PluginTestReport = {
    passed: !result.terminated,
    scanned: result.seen,
    matched: result.matched,
    processed: result.processed,
    failures: [...failures].map(([message, count]) => ({ message, count })),
    outputs: finalOutputs(result).slice(0, TEST_OUTPUTS_SHOWN),
    debug: result.debug,
    injected: result.injected.slice(0, TEST_INJECTED_SHOWN).map(toMessageView),
    elapsedMs,
  };
  if (result.terminated) {
    report.termination = { message: result.terminated.error, phase: result.terminated.during };
    if (result.terminated.line !== undefined) report.termination.line = result.terminated.line;
  }
  return report;
}

/**
 * Each output's final value, in the order outputs first appeared: a ticker
 * fires many times over a test's messages, and what a dashboard would show
 * is the last payload of each name, as in Hindsight.
 */
function finalOutputs(result: TestPluginResult): PluginTestReport['outputs'] {
  // A Map keeps the order keys were first set in; later sets only replace the value.
  const latest = new Map<string, PluginTestReport['outputs'][number]>();
  for (const o of result.outputs) latest.set(o.topic, { name: o.topic, type: o.type, content: o.payload });
  return [...latest.values()];
}
