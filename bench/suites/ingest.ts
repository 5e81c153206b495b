/**
 * Durable ingest throughput: messages acknowledged only once fsynced.
 *
 * - ingest.ndjson_durable: NDJSON bodies of sample messages (5000 lines each,
 *   several in flight, like concurrent HTTP posts) -> transcode line by line
 *   (jsonToProtobuf; the rare lines it declines take JSON.parse +
 *   messageFromJSON + encodeMessage) on the parse workers (NdjsonParsePool,
 *   pieces of each body in parallel) -> framed group-commit append -> fsync
 *   -> publish to the window (as bytes; readers decode on access), into a
 *   stream whose window is already full, as on a running server.
 *   Baseline: JSON.parse of every line and the same NDJSON bytes written to a
 *   plain file with one fsync at the end (the least a durable NDJSON ingest
 *   built on JSON.parse must do). The note gives the same ingest parsed on
 *   the calling thread alone (pool: false), measured in the same run.
 * - ingest.event_loop_block_ms: the longest the caller's event loop is held
 *   (perf_hooks.monitorEventLoopDelay max, median of runs) while one 20 MB
 *   NDJSON body is ingested, as the portal's POST /api/ingest does. Lower is
 *   better. Baseline: the same body parsed on the calling thread (in 256 KiB
 *   slices, yielding between them).
 * - ingest.ndjson_transcode: the parsing part alone, no log: parseNdjsonRecords
 *   over the same bodies, one core. Baseline: the reference path per line
 *   (JSON.parse + messageFromJSON + encodeMessage), which is what ingest did
 *   before the transcoder.
 * - ingest.hindsight_durable: the same messages as a Hindsight framed
 *   protobuf body -> decode (validate) -> append with the bytes as received,
 *   into a stream with a full window. Baseline: the same bytes written to a plain file, one fsync at the end.
 *   The durable figures are wall clock (an fsync's wait is part of the
 *   acknowledgement); their notes give the same runs' whole-process CPU
 *   (process.cpuUsage: parse workers, calling thread, log I/O, GC).
 * - log.append_durable: pre-encoded records straight into SegmentLog.append.
 *   Baseline: the same framed bytes written to a plain file, one write per
 *   batch and one fsync at the end.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestHindsight, ingestNdjson } from '../../engine/inputs/ingest';
import { sampleMessages } from '../../engine/inputs/sample-messages';
import { MessageStream } from '../../engine/log/message-stream';
import { SegmentLog } from '../../engine/log/segment-log';
import { frameMessage } from '../../engine/message/framing';
import { parseNdjsonRecords } from '../../engine/inputs/ndjson';
import { closeNdjsonParsePool, sharedNdjsonParsePool } from '../../engine/inputs/ndjson-parse-pool';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { messageToJSON, parseMessageJSON } from '../../engine/message/json';
import { encodeMessage } from '../../engine/message/protobuf';
import type { Figure } from '../figure';

const COUNT = 60_000;
const BODY_LINES = 5000;
const IN_FLIGHT = 4;
const RUNS = 3;
/** Each durable NDJSON run lasts ~0.2 s: a median of more of them, or one GC or neighbour's burst moves the figure by a third. */
const DURABLE_RUNS = 9;
const BLOCK_BODY_BYTES = 20 * 1024 * 1024;

export async function run(): Promise<Figure[]> {
  const { bodies, framedBodies, encoded, bigBody } = prepareInputs();
  const ndjsonBytes = bodies.reduce((n, b) => n + b.length, 0);
  const framedBytes = framedBodies.reduce((n, b) => n + b.length, 0);

  const root = mkdtempSync(join(tmpdir(), 'foresight-bench-ingest-'));
  let runNo = 0;
  const freshDir = () => join(root, `r${runNo++}`);
  const pool = sharedNdjsonParsePool();
  try {
    if (!(await pool.warmUp())) throw new Error(`the parse workers did not start: ${JSON.stringify(pool.stats())}`);
    // --- NDJSON -> durable stream, parsed on the workers and on the calling thread alone
    let commits = 0;
    // The calling thread's busy time, which a shared machine's load does not inflate much.
    const mainBusy = { threaded: [] as number[], oneThread: [] as number[] };
    // Whole-process CPU seconds of each run (every thread: parse workers, calling thread, log I/O, GC).
    const processCpu = { threaded: [] as number[], oneThread: [] as number[], hindsight: [] as number[] };
    const ndjsonDurable = async (threaded: boolean) => {
      const stream = await runningStream(freshDir(), encoded);
      const t = await medianAsync(async () => {
        const before = stream.nextOffset;
        const commitsBefore = stream.stats().log.commits;
        const elu = performance.eventLoopUtilization();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await inFlight(bodies, IN_FLIGHT, async (body) => {
          const r = await ingestNdjson(stream, body, threaded ? {} : { pool: false });
          if (r.accepted !== BODY_LINES && r.accepted !== COUNT % BODY_LINES) throw new Error(`accepted ${r.accepted}`);
        });
        const t = performance.now() - t0;
        processCpu[threaded ? 'threaded' : 'oneThread'].push(cpuSeconds(process.cpuUsage(cpu0)));
        mainBusy[threaded ? 'threaded' : 'oneThread'].push(performance.eventLoopUtilization(elu).active);
        if (stream.nextOffset !== before + COUNT) throw new Error(`stream took ${stream.nextOffset - before} of ${COUNT}`);
        commits = stream.stats().log.commits - commitsBefore;
        return t;
      }, DURABLE_RUNS);
      await stream.close();
      return t;
    };
    const ndjsonOneThread = await ndjsonDurable(false);
    const ndjson = await ndjsonDurable(true);
    const poolStats = pool.stats();
    if (poolStats.fallbacks > 0 || poolStats.piecesThreaded === 0) throw new Error(`the workers did not parse: ${JSON.stringify(poolStats)}`);

    // --- the caller's event loop during one 20 MB ingest
    const eventLoopBlock = (threaded: boolean) =>
      medianAsync(async () => {
        const stream = await MessageStream.open(freshDir(), { warmWindow: 0 });
        const delay = monitorEventLoopDelay({ resolution: 1 });
        delay.enable();
        const r = await ingestNdjson(stream, bigBody, threaded ? {} : { pool: false });
        delay.disable();
        if (r.accepted === 0 || r.rejectedCount) throw new Error(`accepted ${r.accepted}, rejected ${r.rejectedCount}`);
        await stream.close();
        return delay.max / 1e6;
      }, 3, false); // both paths are warm from the throughput runs above
    const blockOneThread = await eventLoopBlock(false);
    const blockThreaded = await eventLoopBlock(true);
    const ndjsonBaseline = await medianAsync(async () => {
      const path = join(root, `plain${runNo++}.ndjson`);
      const t0 = performance.now();
      const fd = openSync(path, 'w');
      let n = 0;
      for (const body of bodies) {
        for (const line of body.toString('utf8').split('\n')) if (line) n += (JSON.parse(line) as { Fields: unknown[] }).Fields.length;
        writeSync(fd, body);
      }
      fsyncSync(fd);
      closeSync(fd);
      if (n === 0) throw new Error('nothing parsed');
      return performance.now() - t0;
    });

    // --- NDJSON -> records, no log: where the durable figure's time goes
    const transcode = await medianAsync(async () => {
      const t0 = performance.now();
      let n = 0;
      for (const body of bodies) n += parseNdjsonRecords(body).encoded.length;
      if (n !== COUNT) throw new Error(`transcoded ${n} of ${COUNT}`);
      return performance.now() - t0;
    });
    const referenceParse = await medianAsync(async () => {
      const t0 = performance.now();
      let n = 0;
      for (const body of bodies) {
        for (const line of body.toString('utf8').split('\n')) if (line) n += encodeMessage(parseMessageJSON(line)).length > 0 ? 1 : 0;
      }
      if (n !== COUNT) throw new Error(`parsed ${n} of ${COUNT}`);
      return performance.now() - t0;
    });

    // --- Hindsight framed body -> durable stream
    const hindsightStream = await runningStream(freshDir(), encoded);
    const hindsight = await medianAsync(async () => {
      const before = hindsightStream.nextOffset;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await inFlight(framedBodies, IN_FLIGHT, async (body) => {
        const r = await ingestHindsight(hindsightStream, body);
        if (r.rejectedCount) throw new Error(`rejected ${r.rejectedCount}`);
      });
      const t = performance.now() - t0;
      processCpu.hindsight.push(cpuSeconds(process.cpuUsage(cpu0)));
      if (hindsightStream.nextOffset !== before + COUNT) throw new Error(`stream took ${hindsightStream.nextOffset - before} of ${COUNT}`);
      return t;
    });
    await hindsightStream.close();
    const plainWrite = await medianAsync(async () => {
      const path = join(root, `plain${runNo++}.log`);
      const t0 = performance.now();
      const fd = openSync(path, 'w');
      for (const body of framedBodies) writeSync(fd, body);
      fsyncSync(fd);
      closeSync(fd);
      return performance.now() - t0;
    });

    // --- pre-encoded records -> SegmentLog
    const batches: Uint8Array[][] = [];
    for (let i = 0; i < COUNT; i += 1000) batches.push(encoded.slice(i, i + 1000));
    let fsyncs = 0;
    const append = await medianAsync(async () => {
      const log = await SegmentLog.open(freshDir());
      const t0 = performance.now();
      await inFlight(batches, IN_FLIGHT * 4, async (b) => {
        await log.append(b);
      });
      const t = performance.now() - t0;
      fsyncs = log.stats().fsyncs;
      await log.close();
      return t;
    });

    const rate = (ms: number) => (COUNT / ms) * 1000;
    // The warm-up run is in each array too; a median of DURABLE_RUNS + 1 or RUNS + 1 keeps it from counting much.
    const cpuRate = (seconds: number[]) => `${(COUNT / median(seconds) / 1000).toFixed(0)}k msg per whole-process CPU-second`;
    return [
      {
        name: 'ingest.ndjson_durable',
        unit: 'msg/s',
        value: rate(ndjson),
        baseline: rate(ndjsonBaseline),
        target: 300_000,
        note:
          `${COUNT} list-form NDJSON lines (${(ndjsonBytes / COUNT).toFixed(0)} B avg) in ${BODY_LINES}-line bodies, ${IN_FLIGHT} in flight; ` +
          `transcode on ${poolStats.threads} parse workers+append+fsync+publish, ${commits} group commits; ` +
          `the same parsed on the calling thread alone: ${(rate(ndjsonOneThread) / 1000).toFixed(1)}k msg/s; ` +
          `calling thread busy ${median(mainBusy.threaded).toFixed(0)} ms (one thread: ${median(mainBusy.oneThread).toFixed(0)} ms); ` +
          'baseline JSON.parse of each line + plain write + one fsync; ' +
          `whole-process CPU (all threads) ${cpuRate(processCpu.threaded)}, parsed on the calling thread ${cpuRate(processCpu.oneThread)}; ` +
          `on one thread the transcoder (ingest.ndjson_transcode) is ${((100 * rate(ndjsonOneThread)) / rate(transcode)).toFixed(0)}% of the time, ` +
          'the rest is framing, append, fsync and publish (compare ingest.hindsight_durable: the same append with no JSON)',
      },
      {
        name: 'ingest.event_loop_block_ms',
        unit: 'ms',
        value: blockThreaded,
        baseline: blockOneThread,
        note:
          `longest event-loop delay (monitorEventLoopDelay max, median of 3) while one ${(bigBody.length / 1048576).toFixed(0)} MiB NDJSON body ` +
          `is ingested, parsed on ${poolStats.threads} workers; baseline parsed on the calling thread in 256 KiB slices; lower is better; ` +
          'includes the append (framing, write, publish) on the calling thread and any scheduling delay from other processes',
      },
      {
        name: 'ingest.ndjson_transcode',
        unit: 'msg/s',
        value: rate(transcode),
        baseline: rate(referenceParse),
        note: 'parseNdjsonRecords (jsonToProtobuf per line), one core, no log; baseline JSON.parse + messageFromJSON + encodeMessage per line (the path before)',
      },
      {
        name: 'ingest.hindsight_durable',
        unit: 'msg/s',
        value: rate(hindsight),
        baseline: rate(plainWrite),
        note:
          `framed protobuf bodies (${(framedBytes / COUNT).toFixed(0)} B/record): decode-validate + append as received + fsync, wall clock (fsync-bound); ` +
          `whole-process CPU ${cpuRate(processCpu.hindsight)}; baseline the same bytes to a plain file, one fsync`,
      },
      {
        name: 'log.append_durable',
        unit: 'msg/s',
        value: rate(append),
        baseline: rate(plainWrite),
        note: `pre-encoded records, batches of 1000, ${IN_FLIGHT * 4} in flight, ${fsyncs} fsyncs; baseline the same framed bytes to a plain file, one fsync`,
      },
    ];
  } finally {
    await closeNdjsonParsePool();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The inputs, built once: NDJSON bodies, the same messages as Hindsight
 * framed bodies and as encoded records, and one 20 MiB NDJSON body. The
 * decoded messages and JSON lines they are made from are dropped here: kept
 * alive (~200 MB of small objects) they made every major GC during the
 * measured ingest mark them, which cost the runs that hit one a third of
 * their speed; a server's heap holds no such pile.
 */
function prepareInputs(): { bodies: Buffer[]; framedBodies: Buffer[]; encoded: Uint8Array[]; bigBody: Buffer } {
  const messages = sampleMessages(COUNT, 7);
  const lines = messages.map((m) => JSON.stringify(messageToJSON(m)));
  const bodies: Buffer[] = [];
  for (let i = 0; i < COUNT; i += BODY_LINES) bodies.push(Buffer.from(lines.slice(i, i + BODY_LINES).join('\n') + '\n'));
  const encoded = messages.map((m) => encodeMessage(m));
  const framedBodies: Buffer[] = [];
  for (let i = 0; i < COUNT; i += BODY_LINES) {
    framedBodies.push(Buffer.concat(encoded.slice(i, i + BODY_LINES).map((e) => frameMessage(e))));
  }
  const bigLines: string[] = [];
  for (let i = 0, size = 0; size < BLOCK_BODY_BYTES; i++) {
    bigLines.push(lines[i % lines.length]);
    size += lines[i % lines.length].length + 1;
  }
  const bigBody = Buffer.from(bigLines.join('\n') + '\n');
  return { bodies, framedBodies, encoded, bigBody };
}

/**
 * A stream as a running server has it: its window of recent messages full
 * (200 000 by default, held in memory and evicted as new ones arrive), so
 * the measured ingest pays what eviction and a large live heap cost.
 */
async function runningStream(dir: string, encoded: Uint8Array[]): Promise<MessageStream> {
  const stream = await MessageStream.open(dir, { warmWindow: 0 });
  const capacity = stream.stats().window.capacity;
  while (stream.stats().window.size < capacity) {
    for (let i = 0; i < encoded.length; i += BODY_LINES) await stream.ingestEncoded(encoded.slice(i, i + BODY_LINES), { validated: true });
  }
  return stream;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run fn over items with at most `limit` promises pending. */
async function inFlight<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function medianAsync(fn: () => Promise<number>, runs: number = RUNS, warmUp = true): Promise<number> {
  if (warmUp) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
