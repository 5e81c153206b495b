/**
 * The live pipeline end to end: durable ingest -> log -> analysis worker
 * (records read in place, matcher index, QuickJS sandbox) -> plugin output.
 *
 * "End to end" figures are whole-process CPU: process.cpuUsage() of this
 * process, which is the engine's (every thread: the ingest calls on the main
 * thread, the analysis worker, log I/O and GC helpers), from the first ingest
 * call until the plugin has processed the last message, with wall time
 * beside it. Per-thread figures stay in the notes, named as such. Each figure
 * is the median of PASSES passes interleaved with its baseline's passes.
 * Targets are Hindsight's same-run figure when the anchor suite ran in this
 * `npm run bench` (bench/anchor/same-run.ts); otherwise there is none and the
 * note says why. Engine start-up is outside these windows: a live engine
 * pays it once per server start (anchor.live_engine measures a fresh server
 * process, and anchor.startup_cpu the CLI's).
 *
 * - pipeline.count_by_doctype: one count-by-docType plugin (Type ==
 *   'telemetry'), one analysis worker, the whole path: ingest calls, log,
 *   feed, worker, plugin output (checked against the true counts each pass).
 *   Messages per CPU-second of the whole process. Warm-up passes first (a
 *   fresh process's first passes are mostly compiling; a live engine runs
 *   for days), then each pass deploys a new plugin at the stream's end, ingests,
 *   drains and stops it. The note gives the analysis worker thread's CPU
 *   (/proc on Linux; elsewhere its event loop's busy time) and wall time.
 *   Baseline: the same work in plain JS on one core, no sandbox and no log
 *   (decode the protobuf, read docType, count), its passes interleaved.
 * - pipeline.analysis_per_core: the analysis worker's loop alone, in this
 *   thread (AnalysisCore.processRecords over batches of 1000 encoded records,
 *   as the worker receives them: read in place, match, count-by-docType
 *   plugin in QuickJS), messages per CPU-second of this process (GC helpers
 *   included). Baseline: the same loop decoding every record in full first
 *   (decodeMessage, then processBatch): the design before records were read
 *   in place. Medians of interleaved passes.
 * - pipeline.count_by_doctype_backfill: the same plugin deployed afterwards
 *   from 2 x COUNT messages back, until it reaches the end: log read + feed +
 *   decode + match + sandbox, whole-process CPU.
 * - pipeline.many_plugins: 100 plugins with distinct matchers, of which five
 *   match (one of them the count plugin, the others a few percent of the
 *   messages), same worker, whole-process CPU as above; baseline: the
 *   one-plugin figure. The ratio shows whether cost grows with plugin count
 *   or with matches.
 * - latency.ingest_to_plugin.p50 / .p99: 10 000 messages/s offered in
 *   batches of 100 every 10 ms; time from the ingest call to the engine
 *   receiving the worker's acknowledgement that the plugin processed the
 *   batch. Baseline: the durable ingest acknowledgement alone (same calls).
 */
import { availableParallelism } from 'node:os';
import { sampleMessages } from '../../engine/inputs/sample-messages';
import { readField } from '../../engine/message/fields';
import type { Message } from '../../engine/message/message';
import { decodeMessage, encodeMessage } from '../../engine/message/protobuf';
import { AnalysisCore } from '../../engine/runtime/analysis-core';
import { Engine } from '../../engine/runtime/engine';
import { tempDataDir, waitFor } from '../../engine/runtime/test-support';
import { hindsightTarget } from '../anchor/same-run';
import type { Figure } from '../figure';
import { recordBatches } from '../record-batches';

const COUNT = 150_000;
const PASSES = 5;
/** Passes before measuring: the first ones run largely in V8's interpreter and baseline tiers (1.5 s, then 0.9 s, then 0.5 s of CPU here). */
const WARM_PASSES = 2;
const BACKFILLS = 3;
const MANY_PASSES = 3;
const INGEST_BATCH = 5000;
const IN_FLIGHT = 4;
const LATENCY_SECONDS = 5;
const LATENCY_RATE = 10_000;

const COUNT_PLUGIN = `var counts = {};
function process_message() {
  var dt = read_message('Fields[docType]') || 'unknown';
  counts[dt] = (counts[dt] || 0) + 1;
  return 0;
}
function timer_event(ns, shutdown) { inject_payload('json', 'counts', JSON.stringify(counts)); }`;
const COUNT_MATCHER = "Type == 'telemetry'";

/** One measured pass: whole-process CPU and wall seconds, and the analysis threads' own. */
interface Pass {
  cpuSeconds: number;
  wallSeconds: number;
  /** The ingest calls alone (wall). */
  ingestSeconds: number;
  /** The analysis worker threads' CPU (busy time where there is no per-thread clock). */
  analysisSeconds: number;
  cpuMeasured: boolean;
}

export async function run(): Promise<Figure[]> {
  // Only the encoded records and the true counts stay alive: 150k decoded
  // messages held for the whole run would slow every GC on the main thread.
  const { encoded, truth } = prepare();
  const telemetry = Object.values(truth).reduce((a, b) => a + b, 0);
  const figures: Figure[] = [];
  const { target, why } = hindsightTarget();

  // Baseline: decode + count in plain JS, one core; CPU seconds of one pass.
  const plainPass = (): number => {
    const cpu0 = process.cpuUsage();
    const counts: Record<string, number> = {};
    for (const e of encoded) {
      const m = decodeMessage(e);
      if (m.type !== 'telemetry') continue;
      const dt = (readField(m, 'docType') as string | undefined) ?? 'unknown';
      counts[dt] = (counts[dt] ?? 0) + 1;
    }
    const seconds = cpuSeconds(process.cpuUsage(cpu0));
    if ((counts.main ?? 0) !== truth.main) throw new Error('baseline miscounted');
    return seconds;
  };
  plainPass(); // warm-up
  const plainSeconds: number[] = [];

  // --- one plugin, end to end, then the same plugin backfilling
  const one = await withEngine(async (engine) => {
    // A live engine runs for days: warm it with a plugin of the same code
    // first (a fresh process's first passes are mostly compiling), then stop it.
    await engine.deploy({ owner: 'bench', name: 'warmup', code: COUNT_PLUGIN, config: { message_matcher: COUNT_MATCHER } });
    for (let i = 0; i < WARM_PASSES; i++) await ingestAndDrain(engine, encoded, ['bench.warmup']);
    await checkCounts(engine, 'bench.warmup', truth, WARM_PASSES);

    const passes: Pass[] = [];
    for (let i = 0; i < PASSES; i++) {
      plainSeconds.push(plainPass());
      const name = `counts${i}`;
      await engine.deploy({ owner: 'bench', name, code: COUNT_PLUGIN, config: { message_matcher: COUNT_MATCHER } });
      passes.push(await ingestAndDrain(engine, encoded, [`bench.${name}`]));
      await checkCounts(engine, `bench.${name}`, truth);
    }

    // Backfill: the last two passes' messages, from 2 x COUNT back to the end.
    const backfills: { cpuSeconds: number; wallSeconds: number }[] = [];
    const end = engine.stream.nextOffset;
    for (let i = 0; i < BACKFILLS; i++) {
      plainSeconds.push(plainPass());
      const name = `backfill${i}`;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await engine.deploy(
        { owner: 'bench', name, code: COUNT_PLUGIN, config: { message_matcher: COUNT_MATCHER } },
        { from: { offset: end - 2 * COUNT } },
      );
      await waitFor('backfill', () => engine.plugin(`bench.${name}`)!.nextOffset === end, 600_000);
      backfills.push({ cpuSeconds: cpuSeconds(process.cpuUsage(cpu0)), wallSeconds: (performance.now() - t0) / 1000 });
      await checkCounts(engine, `bench.${name}`, truth, 2);
    }
    return { passes, backfills };
  });
  const plainRate = COUNT / median(plainSeconds);
  const oneRate = COUNT / median(one.passes.map((p) => p.cpuSeconds));
  const cpuMeasured = one.passes.every((p) => p.cpuMeasured);
  figures.push({
    name: 'pipeline.count_by_doctype',
    unit: 'msg/CPU-s',
    value: oneRate,
    baseline: plainRate,
    target,
    note:
      `end to end, whole-process CPU (all threads, GC included): ${COUNT} messages (${telemetry} matching) from the first ingest call ` +
      `to the plugin's last message, 1 worker, median of ${PASSES} passes after ${WARM_PASSES} warm-up passes (per pass ${spread(one.passes.map((p) => COUNT / p.cpuSeconds))}); ` +
      `wall clock ${fmtRate(COUNT / median(one.passes.map((p) => p.wallSeconds)))} (the ingest calls alone ${fmtRate(COUNT / median(one.passes.map((p) => p.ingestSeconds)))}); ` +
      `analysis thread CPU alone ${fmtRate(COUNT / median(one.passes.map((p) => p.analysisSeconds)), 'msg/CPU-s')} ` +
      `(${cpuMeasured ? 'from /proc' : 'event-loop busy time: no per-thread CPU clock here'}); ` +
      `baseline: protobuf decode + count in plain JS on one core, passes interleaved (${availableParallelism()} cores, shared); ${why}`,
  });

  const perCore = await analysisPerCore(encoded, truth);
  figures.push({
    name: 'pipeline.analysis_per_core',
    unit: 'msg/CPU-s',
    value: perCore.lazy,
    baseline: perCore.decoded,
    target,
    note:
      `the analysis worker loop alone, in this thread (AnalysisCore.processRecords, batches of 1000, count-by-docType plugin), messages per CPU-second of this process, ` +
      `median of ${PASSES} interleaved passes (per pass ${spread(perCore.lazyRates)}); baseline: the same loop decoding every record in full first; ${why}`,
  });
  figures.push({
    name: 'pipeline.count_by_doctype_backfill',
    unit: 'msg/CPU-s',
    value: (2 * COUNT) / median(one.backfills.map((b) => b.cpuSeconds)),
    baseline: plainRate,
    target,
    note:
      `the same plugin deployed afterwards ${2 * COUNT} messages back: deploy + log read + feed + decode + match + sandbox, 1 worker, whole-process CPU, ` +
      `median of ${BACKFILLS} (wall clock ${fmtRate((2 * COUNT) / median(one.backfills.map((b) => b.wallSeconds)))}); baseline: plain JS decode + count; ${why}`,
  });

  // --- 100 plugins, five of which match
  const many = await withEngine(async (engine) => {
    const specs = manyPlugins();
    for (const s of specs) await engine.deploy(s);
    const ids = specs.map((s) => `bench.${s.name}`);
    for (let i = 0; i < WARM_PASSES; i++) await ingestAndDrain(engine, encoded, ids); // warm-up passes, as above
    const passes: Pass[] = [];
    for (let i = 0; i < MANY_PASSES; i++) passes.push(await ingestAndDrain(engine, encoded, ids));
    await checkCounts(engine, 'bench.p000', truth, WARM_PASSES + MANY_PASSES);
    return { passes, plugins: specs.length };
  });
  const manyRate = COUNT / median(many.passes.map((p) => p.cpuSeconds));
  figures.push({
    name: 'pipeline.many_plugins',
    unit: 'msg/CPU-s',
    value: manyRate,
    baseline: oneRate,
    note:
      `${many.plugins} plugins with distinct matchers (5 match: count plugin 88%, 4 others ~1-8%), 1 worker, end to end, whole-process CPU as above, ` +
      `median of ${MANY_PASSES} passes after ${WARM_PASSES} warm-up passes (wall clock ${fmtRate(COUNT / median(many.passes.map((p) => p.wallSeconds)))}; ` +
      `analysis thread CPU alone ${fmtRate(COUNT / median(many.passes.map((p) => p.analysisSeconds)), 'msg/CPU-s')}); ` +
      `ratio to the one-plugin case ${(manyRate / oneRate).toFixed(2)}; matchers indexed by required equality`,
  });

  // --- latency at 10k msg/s offered
  const latency = await withEngine(async (engine) => {
    await engine.deploy({ owner: 'bench', name: 'lat', code: COUNT_PLUGIN, config: { message_matcher: 'TRUE' } });
    return measureLatency(engine, encoded);
  });
  figures.push({
    name: 'latency.ingest_to_plugin.p50',
    unit: 'ms',
    value: latency.plugin.p50,
    baseline: latency.ingest.p50,
    note: `${LATENCY_RATE} msg/s offered for ${LATENCY_SECONDS} s in batches of 100; baseline: durable ingest acknowledgement alone`,
  });
  figures.push({
    name: 'latency.ingest_to_plugin.p99',
    unit: 'ms',
    value: latency.plugin.p99,
    baseline: latency.ingest.p99,
    target: 50,
    note: `max ${latency.plugin.max.toFixed(1)} ms over ${latency.batches} batches; baseline: durable ingest acknowledgement alone`,
  });
  return figures;
}

async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const { dir, remove } = tempDataDir('foresight-bench-pipeline-');
  const engine = await Engine.start({ dataDir: dir, workers: 1, sampleStream: false, stream: { warmWindow: 0 } });
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
    remove();
  }
}

/**
 * Ingest every record (several batches in flight) and wait until all `ids`
 * processed the last one: whole-process CPU and wall seconds for all of it,
 * wall seconds of the ingest calls, and the analysis workers' CPU meanwhile
 * (busy time where there is no per-thread CPU clock).
 */
async function ingestAndDrain(engine: Engine, encoded: Uint8Array[], ids: string[]): Promise<Pass> {
  const base = engine.stream.nextOffset;
  const end = base + encoded.length;
  const before = analysisReading(engine);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < encoded.length) {
      const batch = encoded.slice(next, next + INGEST_BATCH);
      next += batch.length;
      await engine.stream.ingestEncoded(batch, { validated: true });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const ingestSeconds = (performance.now() - t0) / 1000;
  await waitFor('plugins to drain', () => ids.every((id) => engine.plugin(id)!.nextOffset === end), 600_000);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  const after = analysisReading(engine);
  // CPU time where the OS told it at both readings (Linux), else the event loops' busy time (which counts time others held the core).
  const cpuMeasured = before.cpuMs !== undefined && after.cpuMs !== undefined;
  const analysisSeconds = (cpuMeasured ? after.cpuMs! - before.cpuMs! : after.activeMs - before.activeMs) / 1000;
  return { cpuSeconds: cpu, wallSeconds, ingestSeconds, analysisSeconds, cpuMeasured };
}

/** The analysis workers' busy and CPU ms in all (CPU undefined unless every worker tells it). */
function analysisReading(engine: Engine): { activeMs: number; cpuMs: number | undefined } {
  const workers = engine.workers();
  const activeMs = workers.reduce((ms, w) => ms + w.activeMs, 0);
  const cpuMs = workers.every((w) => w.cpuMs !== undefined) ? workers.reduce((ms, w) => ms + w.cpuMs!, 0) : undefined;
  return { activeMs, cpuMs };
}

/**
 * The worker's batch loop in this thread: messages per CPU second (this
 * process's, GC threads included) over all records, median of PASSES passes
 * each way, the two ways alternating after one warm-up pass each. Each
 * pass's counts are checked.
 */
async function analysisPerCore(
  encoded: Uint8Array[],
  truth: Record<string, number>,
): Promise<{ lazy: number; decoded: number; lazyRates: number[] }> {
  const batches = recordBatches(encoded);
  const pass = async (lazy: boolean): Promise<number> => {
    const core = new AnalysisCore({ hostname: 'bench', pid: 1, now: () => Date.now() });
    const spec = { owner: 'bench', name: 'core', code: COUNT_PLUGIN, config: { message_matcher: COUNT_MATCHER } };
    const added = await core.add('bench.core', 0, spec, 0);
    if (added.error) throw new Error(added.error);
    // CPU time, not wall time: the figure is per core, and on a shared machine
    // wall time also counts the time other processes held this core.
    const cpu0 = process.cpuUsage();
    let offset = 0;
    for (const b of batches) {
      const end = offset + b.ends.length;
      if (lazy) core.processRecords(offset, end, b.offsets, b.ends, b.data);
      else {
        const messages: Message[] = [];
        let s = 0;
        for (const e of b.ends) {
          messages.push(decodeMessage(b.data.subarray(s, e)));
          s = e;
        }
        core.processBatch(offset, end, b.offsets, messages);
      }
      offset = end;
    }
    const seconds = cpuSeconds(process.cpuUsage(cpu0));
    const counts = JSON.parse(core.remove('bench.core', true)!.effects.outputs[0].payload) as Record<string, number>;
    for (const [k, v] of Object.entries(truth)) {
      if (counts[k] !== v) throw new Error(`analysis pass counted ${counts[k]} ${k} messages, expected ${v}`);
    }
    return encoded.length / seconds;
  };
  await pass(true);
  await pass(false);
  const lazy: number[] = [];
  const decoded: number[] = [];
  for (let round = 0; round < PASSES; round++) {
    lazy.push(await pass(true));
    decoded.push(await pass(false));
  }
  return { lazy: median(lazy), decoded: median(decoded), lazyRates: lazy };
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** min–max of per-pass rates. */
function spread(rates: number[]): string {
  return `${(Math.min(...rates) / 1000).toFixed(0)}k–${fmtRate(Math.max(...rates), 'msg/CPU-s')}`;
}

function fmtRate(perSecond: number, unit = 'msg/s'): string {
  return `${(perSecond / 1000).toFixed(0)}k ${unit}`;
}

/** Stop the plugin and check its counts: `passes` times the true counts. */
async function checkCounts(engine: Engine, id: string, truth: Record<string, number>, passes = 1): Promise<void> {
  await engine.stopPlugin(id);
  const out = engine.outputs.get(`analysis.${id}.counts.json`);
  const got = out ? (JSON.parse(out.payload) as Record<string, number>) : {};
  for (const [k, v] of Object.entries(truth)) {
    if (got[k] !== passes * v) throw new Error(`${id} counted ${got[k]} ${k} messages, expected ${passes * v}`);
  }
}

function prepare(): { encoded: Uint8Array[]; truth: Record<string, number> } {
  const messages = sampleMessages(COUNT, 17);
  return { encoded: messages.map((m) => encodeMessage(m)), truth: countByDocType(messages) };
}

function countByDocType(messages: Message[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) {
    if (m.type !== 'telemetry') continue;
    const dt = (readField(m, 'docType') as string | undefined) ?? 'unknown';
    counts[dt] = (counts[dt] ?? 0) + 1;
  }
  return counts;
}

/** p000 counts by docType; p001-p004 match a few percent; p005-p099 never match (distinct keys and literals). */
function manyPlugins(): { owner: string; name: string; code: string; config: Record<string, string> }[] {
  const matchers = [
    COUNT_MATCHER,
    "Fields[docType] == 'crash'",
    "Type == 'nginx.access' && Fields[status] >= 500",
    "Logger == 'statsd'",
    "Fields[docType] == 'health' && Fields[os] == 'Linux'",
  ];
  for (let i = 5; i < 100; i++) {
    switch (i % 4) {
      case 0:
        matchers.push(`Type == 'telemetry' && Fields[appVersion] == '9.${i}'`);
        break;
      case 1:
        matchers.push(`Hostname == 'host-${i}'`);
        break;
      case 2:
        matchers.push(`Fields[geoCountry] == 'Z${i}' && Fields[docType] == 'main'`);
        break;
      default:
        matchers.push(`Type == 'metric' && Logger == 'svc-${i}'`);
    }
  }
  return matchers.map((m, i) => ({
    owner: 'bench',
    name: `p${String(i).padStart(3, '0')}`,
    code: i === 0 ? COUNT_PLUGIN : 'var n = 0; function process_message() { n++; return 0; }',
    config: { message_matcher: m },
  }));
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

async function measureLatency(
  engine: Engine,
  encoded: Uint8Array[],
): Promise<{ plugin: Percentiles; ingest: Percentiles; batches: number }> {
  const perBatch = 100;
  const intervalMs = (perBatch / LATENCY_RATE) * 1000;
  const sent: { last: number; calledAt: number; ackedAt: number }[] = [];
  const doneAt = new Map<number, number>();
  let processed = engine.stream.nextOffset;
  const pendingBatches: { last: number; calledAt: number }[] = [];
  engine.on((e) => {
    if (e.type !== 'progress') return;
    const now = performance.now();
    processed = Math.max(processed, e.nextOffset);
    while (pendingBatches.length && pendingBatches[0].last < processed) doneAt.set(pendingBatches.shift()!.last, now);
  });
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0, k = 0; i < total; i += perBatch, k++) {
    const due = start + k * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = encoded.slice(i % encoded.length, (i % encoded.length) + perBatch);
    const calledAt = performance.now();
    inflight.push(
      engine.stream.ingestEncoded(batch, { validated: true }).then((r) => {
        const entry = { last: r.last, calledAt, ackedAt: performance.now() };
        sent.push(entry);
        if (r.last < processed) doneAt.set(r.last, performance.now());
        else pendingBatches.push({ last: r.last, calledAt });
        pendingBatches.sort((a, b) => a.last - b.last);
      }),
    );
  }
  await Promise.all(inflight);
  await waitFor('latency run to drain', () => pendingBatches.length === 0, 120_000);
  const pluginLat = sent.map((s) => doneAt.get(s.last)! - s.calledAt);
  const ingestLat = sent.map((s) => s.ackedAt - s.calledAt);
  return { plugin: percentiles(pluginLat), ingest: percentiles(ingestLat), batches: sent.length };
}

function percentiles(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { p50: at(0.5), p99: at(0.99), max: v[v.length - 1] };
}
