/**
 * A one-off plugin run for the portal's Test Plugin and `foresight run`: the
 * plugin goes through the same AnalysisCore the live engine's workers use
 * (matcher index, batches of matched messages, limits, injected-message
 * rules), then gets timer_event(ns, true) as on a clean stop.
 *
 * Time: with a ticker_interval, timer_event fires as the messages' own
 * Timestamps cross each interval (the recording's clock, so a run is
 * repeatable); the final timer_event uses the last message's time.
 */
import { hostname } from 'node:os';
import { timestampMillis } from '../message/lazy-message';
import type { Message } from '../message/message';
import { AnalysisCore } from './analysis-core';
import { pluginId, validatePluginSpec, withEffectiveLimits, type ConfigValue, type LimitCaps } from './plugin-spec';
import { emptyStats, type PluginStats } from './plugin-stats';
import type { Effects } from './worker-protocol';

export type CallKind = 'load' | 'process_message' | 'timer_event';

export interface TestPluginOutput {
  /** `analysis.<owner>.<plugin>.<name>.<type>` */
  topic: string;
  name: string;
  type: string;
  payload: string;
  during: CallKind;
}

export interface TestPluginResult {
  /** Messages read from the input. */
  seen: number;
  /** Messages the matcher selected (and that were handed to process_message). */
  matched: number;
  /** process_message() calls that returned (successfully or with -1). */
  processed: number;
  /** process_message() returned -1: the message's 1-based position in the input, and the reason. */
  failures: { position: number; reason: string }[];
  /** Every inject_payload(), in order. */
  outputs: TestPluginOutput[];
  /** print() / console.log() lines, in order. */
  debug: string[];
  /** Messages passed to inject_message(), as they would enter the stream. */
  injected: Message[];
  /** Set when the plugin terminated (at load, in process_message at `position`, or in timer_event). */
  terminated?: { error: string; line?: number; during: CallKind; position?: number };
  stats: PluginStats;
}

export interface TestPluginInput {
  owner?: string;
  name?: string;
  code: string;
  config: Record<string, ConfigValue>;
}

export interface TestPluginOptions {
  /** File name shown in errors. Default `<name>.js`. */
  filename?: string;
  /** Messages per process batch, as the live engine batches them. Default 1000. */
  batchSize?: number;
  /** Most debug lines kept. Default 10 000. */
  maxDebugLines?: number;
  /**
   * The platform's caps (the Engine passes its own): a limit key asking for
   * more is refused with PluginSpecError, and the plugin runs with its
   * effective limits. Without caps (the command line), it gets what it asks for.
   */
  limitCaps?: LimitCaps;
}

/**
 * Run `spec` over `messages` (an array, or batches from an async source such
 * as a file reader). Throws PluginSpecError for a malformed spec; plugin
 * errors, including an invalid matcher, come back in `terminated`.
 */
export async function testPlugin(
  input: TestPluginInput,
  messages: Iterable<Message> | AsyncIterable<Message[]>,
  options: TestPluginOptions = {},
): Promise<TestPluginResult> {
  const spec = withEffectiveLimits(
    validatePluginSpec({ owner: input.owner ?? 'test', name: input.name ?? 'plugin', ...input }, options.limitCaps),
    options.limitCaps,
  );
  const id = pluginId(spec.owner, spec.name);
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const maxDebug = options.maxDebugLines ?? 10_000;
  const source = batchesOf(messages, batchSize);

  const first = await source.next();
  let clock = first.done || first.value.length === 0 ? Date.now() : msOf(first.value[0]);
  const core = new AnalysisCore({
    hostname: hostname(),
    pid: process.pid,
    now: () => clock,
    maxDebugLines: maxDebug,
    maxFailures: Number.MAX_SAFE_INTEGER,
  });
  const result: TestPluginResult = {
    seen: 0,
    matched: 0,
    processed: 0,
    failures: [],
    outputs: [],
    debug: [],
    injected: [],
    stats: emptyStats(0),
  };
  const collect = (effects: Effects, during: CallKind, position?: number): void => {
    for (const o of effects.outputs) {
      result.outputs.push({ topic: `analysis.${o.id}.${o.name}.${o.type}`, name: o.name, type: o.type, payload: o.payload, during });
    }
    for (const i of effects.injected) result.injected.push(i.message);
    for (const f of effects.failures) result.failures.push({ position: f.offset + 1, reason: f.reason });
    for (const d of effects.debug) {
      for (const line of d.lines) if (result.debug.length < maxDebug) result.debug.push(line);
    }
    for (const t of effects.terminated) {
      result.terminated = {
        error: t.error,
        ...(t.line !== undefined ? { line: t.line } : {}),
        during,
        ...(during === 'process_message' ? { position: t.nextOffset + 1 } : position !== undefined ? { position } : {}),
      };
      result.stats = t.stats;
    }
  };

  const added = await core.add(id, 0, spec, 0, undefined, options.filename);
  collect(added.effects, 'load');
  if (added.error) {
    result.terminated = { error: added.error, ...(added.line !== undefined ? { line: added.line } : {}), during: 'load' };
    await drain(source);
    return result;
  }

  let offset = 0;
  let chunk: Message[] = [];
  let chunkStart = 0;
  const flush = (): void => {
    if (chunk.length === 0 || !core.has(id)) return;
    const offsets = chunk.map((_, i) => chunkStart + i);
    const r = core.processBatch(chunkStart, chunkStart + chunk.length, offsets, chunk);
    collect(r.effects, 'process_message');
    chunk = [];
  };
  const feed = (batch: Message[]): void => {
    for (const m of batch) {
      if (!core.has(id)) return;
      result.seen++;
      const t = msOf(m);
      if (t >= core.nextTickAt()) {
        flush();
        chunkStart = offset;
        clock = t;
        collect(core.tick(t), 'timer_event', offset + 1);
        if (!core.has(id)) return;
      }
      clock = Math.max(clock, t);
      if (chunk.length === 0) chunkStart = offset;
      chunk.push(m);
      offset++;
      if (chunk.length >= batchSize) flush();
    }
  };

  if (!first.done) feed(first.value);
  for (let next = await source.next(); !next.done && core.has(id); next = await source.next()) feed(next.value);
  flush();
  await drain(source);

  if (core.has(id)) {
    const stopped = core.remove(id, true)!;
    collect(stopped.effects, 'timer_event');
    if (!result.terminated) result.stats = stopped.plugin.stats;
  }
  result.processed = result.stats.processMessageCount;
  result.matched = result.stats.matched;
  return result;
}

/** Message time in ms, read per message: no BigInt for a message read in place (timestampMillis). */
function msOf(m: Message): number {
  return timestampMillis(m);
}

async function* batchesOf(
  messages: Iterable<Message> | AsyncIterable<Message[]>,
  size: number,
): AsyncGenerator<Message[], void, undefined> {
  if (Symbol.asyncIterator in messages) {
    for await (const batch of messages as AsyncIterable<Message[]>) if (batch.length) yield batch;
    return;
  }
  let batch: Message[] = [];
  for (const m of messages as Iterable<Message>) {
    batch.push(m);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Read the rest of the input (so a file reader reports all its bad records). */
async function drain(source: AsyncGenerator<Message[]>): Promise<void> {
  for (let r = await source.next(); !r.done; r = await source.next()) {
    // discard
  }
}
