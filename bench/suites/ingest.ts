/**
 * Durable ingest throughput: messages acknowledged only once fsynced.
 *
 * - ingest.ndjson_durable: NDJSON bodies of sample messages (5000 lines each,
 *   several in flight, like concurrent HTTP posts) -> transcode line by line
 *   (jsonToProtobuf; the rare lines it declines take JSON.parse +
 *   messageFromJSON + encodeMessage) -> framed group-commit append -> fsync ->
 *   publish to the window (as bytes; readers decode on access).
 *   Baseline: JSON.parse of every line and the same NDJSON bytes written to a
 *   plain file with one fsync at the end (the least a durable NDJSON ingest
 *   built on JSON.parse must do).
 * - ingest.ndjson_transcode: the parsing part alone, no log: parseNdjsonRecords
 *   over the same bodies, one core. Baseline: the reference path per line
 *   (JSON.parse + messageFromJSON + encodeMessage), which is what ingest did
 *   before the transcoder.
 * - ingest.hindsight_durable: the same messages as a Hindsight framed
 *   protobuf body -> decode (validate) -> append with the bytes as received.
 *   Baseline: the same bytes written to a plain file, one fsync at the end.
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
import { messageToJSON, parseMessageJSON } from '../../engine/message/json';
import { encodeMessage } from '../../engine/message/protobuf';
import type { Figure } from '../figure';

const COUNT = 60_000;
const BODY_LINES = 5000;
const IN_FLIGHT = 4;
const RUNS = 3;

export async function run(): Promise<Figure[]> {
  const messages = sampleMessages(COUNT, 7);
  const lines = messages.map((m) => JSON.stringify(messageToJSON(m)));
  const bodies: Buffer[] = [];
  for (let i = 0; i < COUNT; i += BODY_LINES) bodies.push(Buffer.from(lines.slice(i, i + BODY_LINES).join('\n') + '\n'));
  const encoded = messages.map((m) => encodeMessage(m));
  const framedBodies: Buffer[] = [];
  for (let i = 0; i < COUNT; i += BODY_LINES) {
    framedBodies.push(Buffer.concat(encoded.slice(i, i + BODY_LINES).map((e) => frameMessage(e))));
  }
  const ndjsonBytes = bodies.reduce((n, b) => n + b.length, 0);
  const framedBytes = framedBodies.reduce((n, b) => n + b.length, 0);

  const root = mkdtempSync(join(tmpdir(), 'foresight-bench-ingest-'));
  let runNo = 0;
  const freshDir = () => join(root, `r${runNo++}`);
  try {
    // --- NDJSON -> durable stream
    let commits = 0;
    const ndjson = await medianAsync(async () => {
      const stream = await MessageStream.open(freshDir(), { warmWindow: 0 });
      const t0 = performance.now();
      await inFlight(bodies, IN_FLIGHT, async (body) => {
        const r = await ingestNdjson(stream, body);
        if (r.accepted !== BODY_LINES && r.accepted !== COUNT % BODY_LINES) throw new Error(`accepted ${r.accepted}`);
      });
      const t = performance.now() - t0;
      if (stream.nextOffset !== COUNT) throw new Error(`stream holds ${stream.nextOffset} of ${COUNT}`);
      commits = stream.stats().log.commits;
      await stream.close();
      return t;
    });
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
    const hindsight = await medianAsync(async () => {
      const stream = await MessageStream.open(freshDir(), { warmWindow: 0 });
      const t0 = performance.now();
      await inFlight(framedBodies, IN_FLIGHT, async (body) => {
        const r = await ingestHindsight(stream, body);
        if (r.rejectedCount) throw new Error(`rejected ${r.rejectedCount}`);
      });
      const t = performance.now() - t0;
      if (stream.nextOffset !== COUNT) throw new Error(`stream holds ${stream.nextOffset} of ${COUNT}`);
      await stream.close();
      return t;
    });
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
    return [
      {
        name: 'ingest.ndjson_durable',
        unit: 'msg/s',
        value: rate(ndjson),
        baseline: rate(ndjsonBaseline),
        target: 300_000,
        note:
          `${COUNT} list-form NDJSON lines (${(ndjsonBytes / COUNT).toFixed(0)} B avg) in ${BODY_LINES}-line bodies, ${IN_FLIGHT} in flight; ` +
          `transcode+append+fsync+publish, ${commits} group commits; baseline JSON.parse of each line + plain write + one fsync; ` +
          'limit: the transcoder on one core (ingest.ndjson_transcode)',
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
        note: `framed protobuf bodies (${(framedBytes / COUNT).toFixed(0)} B/record): decode-validate + append as received + fsync; baseline the same bytes to a plain file, one fsync`,
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
    rmSync(root, { recursive: true, force: true });
  }
}

/** Run fn over items with at most `limit` promises pending. */
async function inFlight<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function medianAsync(fn: () => Promise<number>, runs = RUNS): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
