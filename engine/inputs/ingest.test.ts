import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageStream } from '../log/message-stream';
import { faultyFs } from '../log/testing/faulty-fs';
import { frameMessage } from '../message/framing';
import { messageToJSON } from '../message/json';
import { LazyMessage } from '../message/lazy-message';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { IngestFileError, ingestFile, ingestHindsight, ingestNdjson } from './ingest';
import { readMessageFile, sniffFormat, type MessageBatch } from './message-file';
import { sampleMessages } from './sample-messages';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'foresight-inputs-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const msgs = sampleMessages(2000, 21);
/** A message as decodeMessage gives it (one read in place, decoded in full). */
const decoded = (m: Message) => (m instanceof LazyMessage ? m.message() : m);
const ndjsonLine = (i: number) => JSON.stringify(messageToJSON(msgs[i]));
const framedAll = (from: number, to: number) => Buffer.concat(msgs.slice(from, to).map((m) => frameMessage(encodeMessage(m))));

async function collect(path: string, options = {}): Promise<MessageBatch[]> {
  const out: MessageBatch[] = [];
  for await (const b of readMessageFile(path, options)) out.push(b);
  return out;
}

describe('readMessageFile', () => {
  it('reads an NDJSON file in small chunks with correct line numbers for good and bad lines', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) lines.push(i % 97 === 13 ? `{"broken ${i}` : ndjsonLine(i));
    // A line longer than maxLineBytes that spans several chunks.
    lines.splice(500, 0, `{"Payload":"${'z'.repeat(20_000)}"}`);
    const path = join(dir, 'data.ndjson');
    writeFileSync(path, lines.join('\n') + '\n');
    const batches = await collect(path, { chunkBytes: 4096, maxLineBytes: 8192 });
    expect(batches.length).toBeGreaterThan(10);
    const messages = batches.flatMap((b) => b.messages);
    const positions = batches.flatMap((b) => b.positions);
    const rejected = batches.flatMap((b) => b.rejected);
    const bad = lines.map((l, i) => (l.startsWith('{"broken') || l.startsWith('{"Payload') ? i + 1 : 0)).filter((n) => n);
    expect(rejected.map((r) => ('line' in r ? r.line : -1))).toEqual(bad);
    expect(rejected.find((r) => 'line' in r && r.line === 501)?.reason).toMatch(/more than 8192 bytes/);
    expect(positions.length).toBe(lines.length - bad.length);
    for (let k = 0; k < messages.length; k++) {
      const line = positions[k];
      const i = line <= 500 ? line - 1 : line - 2; // sample index of that line
      expect(messages[k]).toBeInstanceOf(LazyMessage);
      expect(decoded(messages[k])).toEqual(msgs[i]);
    }
  });

  it('reads a Hindsight file in small chunks and reports a truncated last record', async () => {
    const dir = tempDir();
    const full = framedAll(0, 300);
    const path = join(dir, 'recorded'); // no extension: sniffed
    writeFileSync(path, full.subarray(0, full.length - 10));
    const batches = await collect(path, { chunkBytes: 1000 });
    expect(batches.every((b) => b.format === 'hindsight')).toBe(true);
    const messages = batches.flatMap((b) => b.messages);
    expect(messages.every((m) => m instanceof LazyMessage)).toBe(true);
    expect(messages.map(decoded)).toEqual(msgs.slice(0, 299));
    // Each batch's messages keep their chunk: still right after the whole file was read.
    expect(messages.map((m) => m.type)).toEqual(msgs.slice(0, 299).map((m) => m.type));
    expect(batches.flatMap((b) => b.positions)).toEqual(Array.from({ length: 299 }, (_, i) => i + 1));
    const rejected = batches.flatMap((b) => b.rejected);
    expect(rejected).toEqual([
      { record: 300, byte: full.length - frameMessage(encodeMessage(msgs[299])).length, reason: expect.stringMatching(/truncated/) },
    ]);
  });

  it('reads protobufs only with as: encoded, for both formats', async () => {
    const dir = tempDir();
    const nd = join(dir, 'a.jsonl');
    writeFileSync(nd, [ndjsonLine(0), 'x', ndjsonLine(1)].join('\n'));
    const hs = join(dir, 'b.hpb');
    writeFileSync(hs, framedAll(0, 3));
    for (const [path, n] of [[nd, 2], [hs, 3]] as const) {
      const batches = await collect(path, { as: 'encoded' });
      expect(batches.flatMap((b) => b.messages)).toEqual([]);
      expect(batches.flatMap((b) => b.encoded ?? [])).toEqual(msgs.slice(0, n).map((m) => encodeMessage(m)));
    }
  });

  it('accepts the engine\'s Logger values offline (a recording from Hindsight), and refuses them on request', async () => {
    const dir = tempDir();
    const forged = { ...msgs[0], logger: 'analysis.alice.counter' };
    const nd = join(dir, 'a.ndjson');
    writeFileSync(nd, [JSON.stringify(messageToJSON(forged)), ndjsonLine(1)].join('\n'));
    const hs = join(dir, 'b.log');
    writeFileSync(hs, Buffer.concat([frameMessage(encodeMessage(forged)), framedAll(1, 2)]));
    for (const path of [nd, hs]) {
      const offline = await collect(path);
      expect(offline.flatMap((b) => b.messages).map((m) => m.logger)).toEqual(['analysis.alice.counter', msgs[1].logger]);
      const live = await collect(path, { refuseEngineLoggers: true });
      expect(live.flatMap((b) => b.positions)).toEqual([2]);
      expect(live.flatMap((b) => b.rejected).map((r) => r.reason)).toEqual([expect.stringMatching(/^Logger "analysis.alice.counter" is reserved/)]);
    }
  });

  it('sniffs the format from the first bytes', () => {
    expect(sniffFormat(Uint8Array.of(0x1e, 2, 8))).toBe('hindsight');
    expect(sniffFormat(new TextEncoder().encode('  \n{"Type":1}'))).toBe('ndjson');
    expect(sniffFormat(new Uint8Array(0))).toBe('ndjson');
  });
});

describe('ingest into a stream', () => {
  it('ingestNdjson appends the valid lines as one batch and names the bad ones', async () => {
    const stream = await MessageStream.open(tempDir());
    const body = [ndjsonLine(0), '{"Type":', ndjsonLine(1), '{"Fields":{"bad":[1,"x"]}}'].join('\n');
    const r = await ingestNdjson(stream, body);
    expect(r).toMatchObject({ format: 'ndjson', accepted: 2, first: 0, last: 1, rejectedCount: 2 });
    expect(r.rejected.map((x) => ('line' in x ? x.line : 0))).toEqual([2, 4]);
    expect(stream.recent().map((e) => e.message)).toEqual([msgs[0], msgs[1]]);
    const none = await ingestNdjson(stream, 'junk');
    expect(none).toMatchObject({ accepted: 0, first: 2, last: 1, rejectedCount: 1 });
    await stream.close();
  });

  it('ingestHindsight stores records byte for byte', async () => {
    const stream = await MessageStream.open(tempDir());
    const body = Buffer.concat([framedAll(0, 5), Buffer.from([0x00, 0x00]), framedAll(5, 10)]);
    const r = await ingestHindsight(stream, body);
    expect(r).toMatchObject({ format: 'hindsight', accepted: 10, first: 0, last: 9, rejectedCount: 1 });
    const stored = await stream.read(0, 20);
    stored.forEach((e, i) => expect(new Uint8Array(e.encoded)).toEqual(encodeMessage(msgs[i])));
    await stream.close();
  });

  it('stores a framed body as it came when its framing is the log\'s own, and reframes one whose framing is not', async () => {
    const segments = (dir: string) =>
      Buffer.concat(
        readdirSync(join(dir, 'log'))
          .filter((f) => f.endsWith('.log'))
          .sort()
          .map((f) => readFileSync(join(dir, 'log', f))),
      );
    // Several parse slices of canonical framing: the segment file is the body, byte for byte.
    const dir = tempDir();
    const stream = await MessageStream.open(dir);
    const body = framedAll(0, 2000);
    expect(body.length).toBeGreaterThan(2 * 256 * 1024);
    expect(await ingestHindsight(stream, body)).toMatchObject({ accepted: 2000, rejectedCount: 0 });
    expect(segments(dir).equals(body)).toBe(true);
    await stream.close();

    // Headers with a second field (Heka's HMAC), and a record missing its Timestamp (stored with one
    // prepended): the log frames what it stores itself, so its file is the canonical framing of the
    // stored records. The extra header bytes equal the prepended Timestamp's, so the body is as long
    // as that framing: only the header check (not a length check) can tell them apart.
    const dir2 = tempDir();
    const stream2 = await MessageStream.open(dir2);
    const full = encodeMessage(msgs[4]);
    expect([full[0], full[1], full[18]]).toEqual([0x0a, 16, 0x10]); // Uuid (18 bytes), then Timestamp
    const tsBytes = 1 + varintLength(full, 19);
    const withoutTs = Buffer.concat([full.subarray(0, 18), full.subarray(19 + varintLength(full, 19))]);
    const extras: number[][] = Array.from({ length: Math.floor(tsBytes / 2) }, () => [0x10, 1]);
    if (tsBytes % 2) extras[0] = [0x10, 0x81, 0x01];
    const hmacFrames = extras.map((extra, i) => {
      const m = encodeMessage(msgs[3 + i]);
      expect(m.length).toBeGreaterThanOrEqual(0x80);
      expect(m.length).toBeLessThan(0x4000);
      const header = [0x08, (m.length & 0x7f) | 0x80, m.length >> 7, ...extra];
      return Buffer.from([0x1e, header.length, ...header, 0x1f, ...m]);
    });
    const n = extras.length;
    const mixed = Buffer.concat([framedAll(0, 3), ...hmacFrames, frameMessage(withoutTs), framedAll(4 + n, 8 + n)]);
    expect(await ingestHindsight(stream2, mixed)).toMatchObject({ accepted: 8 + n, rejectedCount: 0 });
    const stored = await stream2.read(0, 30);
    expect(new Uint8Array(stored[3].encoded)).toEqual(encodeMessage(msgs[3]));
    expect(stored[3 + n].encoded.length).toBe(withoutTs.length + tsBytes);
    const reframed = Buffer.concat(stored.map((e) => frameMessage(e.encoded)));
    expect(reframed.length).toBe(mixed.length);
    expect(segments(dir2).equals(reframed)).toBe(true);
    await stream2.close();
  });

  it('parses large bodies in slices with the same line and record numbers', async () => {
    const stream = await MessageStream.open(tempDir());
    const lines = Array.from({ length: 1500 }, (_, i) => (i % 250 === 7 ? `bad ${i}` : ndjsonLine(i)));
    const body = lines.join('\r\n');
    expect(body.length).toBeGreaterThan(3 * 256 * 1024);
    for (const input of [body, Buffer.from(body)]) {
      const first = stream.nextOffset;
      const r = await ingestNdjson(stream, input);
      expect(r.rejected.map((x) => ('line' in x ? x.line : 0))).toEqual([8, 258, 508, 758, 1008, 1258]);
      expect(r.accepted).toBe(1494);
      const stored = await stream.read(first, 2000);
      expect(stored.map((e) => e.message)).toEqual(msgs.slice(0, 1500).filter((_, i) => i % 250 !== 7));
    }
    const bad = encodeMessage({ ...msgs[600], type: 'XYZ' });
    bad[bad.indexOf(0x58)] = 0xff; // invalid UTF-8 in Type
    const framed = Buffer.concat([framedAll(0, 600), frameMessage(bad), framedAll(601, 1500)]);
    expect(framed.length).toBeGreaterThan(2 * 256 * 1024);
    const first = stream.nextOffset;
    const r = await ingestHindsight(stream, framed);
    expect(r).toMatchObject({ accepted: 1499, rejectedCount: 1 });
    expect(r.rejected[0]).toMatchObject({ record: 601, byte: framedAll(0, 600).length });
    const stored = await stream.read(first, 2000);
    expect(stored.map((e) => e.message)).toEqual(msgs.slice(0, 1500).filter((_, i) => i !== 600));
    await stream.close();
  });

  it('rejects lines with no header or Fields key, naming the keys (NDJSON, also on parse workers)', async () => {
    const stream = await MessageStream.open(tempDir());
    const body = [ndjsonLine(0), '{"Typo":"x","payload2":"y"}', '{}', ndjsonLine(1)].join('\n');
    const r = await ingestNdjson(stream, body);
    expect(r).toMatchObject({ accepted: 2, rejectedCount: 2 });
    expect(r.rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^no Heka header or Fields, only unknown keys "Typo", "payload2"/) },
      { line: 3, reason: 'the object is empty: a message needs at least one header or Fields' },
    ]);
    // A large body, parsed on the worker threads, judges the same way.
    const lines = Array.from({ length: 1500 }, (_, i) => (i % 500 === 3 ? `{"Typo${i}":1}` : ndjsonLine(i)));
    const big = await ingestNdjson(stream, lines.join('\n'));
    expect(big.rejected.map((x) => ('line' in x ? [x.line, x.reason.slice(0, 48)] : [])) ).toEqual(
      [4, 504, 1004].map((line) => [line, `no Heka header or Fields, only unknown key "Typo${line - 1}"`.slice(0, 48)]),
    );
    await stream.close();
  });

  it('refuses the engine\'s Logger values (analysis., input., output.) on ingest, for NDJSON and framed bodies, small and large', async () => {
    const stream = await MessageStream.open(tempDir());
    const loggers = ['analysis.alice.secret', 'input.sample', 'output.dashboard', 'analysis', 'telemetry', 'analysis-ish', 'Analysis.alice'];
    const forged = loggers.map((logger) => ({ ...msgs[0], logger }));
    const nd = await ingestNdjson(stream, forged.map((m) => JSON.stringify(messageToJSON(m))).join('\n'));
    expect(nd.accepted).toBe(4);
    expect(nd.rejected).toEqual([
      { line: 1, reason: 'Logger "analysis.alice.secret" is reserved: Logger values starting with "analysis." mark the engine\'s own messages (analysis., input., output.); use another Logger' },
      { line: 2, reason: expect.stringMatching(/^Logger "input.sample" is reserved/) },
      { line: 3, reason: expect.stringMatching(/^Logger "output.dashboard" is reserved/) },
    ]);
    // The reference path (a line the transcoder leaves to JSON.parse: keys out of order) refuses them too.
    const odd = await ingestNdjson(stream, '{"Type":"t","Logger":"analysis.bob.x","Uuid":null}');
    expect(odd.rejected[0]).toEqual({ line: 1, reason: expect.stringMatching(/^Logger "analysis.bob.x" is reserved/) });
    const hs = await ingestHindsight(stream, Buffer.concat(forged.map((m) => frameMessage(encodeMessage(m)))));
    expect(hs.accepted).toBe(4);
    expect(hs.rejected.map((x) => ('record' in x ? x.record : 0))).toEqual([1, 2, 3]);
    expect(hs.rejected[0].reason).toMatch(/^Logger "analysis.alice.secret" is reserved/);
    // Large bodies (parse workers for NDJSON, slices for framed) refuse them at the same places.
    const many = Array.from({ length: 1500 }, (_, i) => (i % 500 === 9 ? { ...msgs[i], logger: `analysis.u${i}.p` } : msgs[i]));
    const bigNd = await ingestNdjson(stream, many.map((m) => JSON.stringify(messageToJSON(m))).join('\n'));
    expect(bigNd.rejected.map((x) => ('line' in x ? x.line : 0))).toEqual([10, 510, 1010]);
    const bigHs = await ingestHindsight(stream, Buffer.concat(many.map((m) => frameMessage(encodeMessage(m)))));
    expect(bigHs.rejected.map((x) => ('record' in x ? x.record : 0))).toEqual([10, 510, 1010]);
    expect(bigHs.accepted).toBe(1497);
    // ingestFile appends to the live stream: refused there too.
    const path = join(tempDir(), 'forged.ndjson');
    writeFileSync(path, forged.map((m) => JSON.stringify(messageToJSON(m))).join('\n'));
    expect((await ingestFile(stream, path)).rejected.map((x) => ('line' in x ? x.line : 0))).toEqual([1, 2, 3]);
    await stream.close();
  });

  it('refuses a whole body on DISK_FULL: nothing half-written', async () => {
    const io = faultyFs();
    const dir = tempDir();
    const stream = await MessageStream.open(dir, { fs: io });
    await ingestNdjson(stream, ndjsonLine(0));
    io.failWrites = 'ENOSPC';
    io.partialBytes = 300;
    io.failPath = '.log';
    const body = Array.from({ length: 50 }, (_, i) => ndjsonLine(i + 1)).join('\n');
    await expect(ingestNdjson(stream, body)).rejects.toMatchObject({ code: 'DISK_FULL' });
    io.failWrites = undefined;
    expect(stream.nextOffset).toBe(1);
    await stream.close();
    const again = await MessageStream.open(dir);
    expect(again.nextOffset).toBe(1);
    expect((await again.read(0, 10)).map((e) => e.message)).toEqual([msgs[0]]);
    await again.close();
  });

  it('ingestFile streams a file into the log, and on DISK_FULL says how far it got', async () => {
    const dir = tempDir();
    const path = join(dir, 'in.ndjson');
    writeFileSync(path, Array.from({ length: 2000 }, (_, i) => ndjsonLine(i)).join('\n'));
    const io = faultyFs();
    const stream = await MessageStream.open(join(dir, 'data'), { fs: io });
    const r = await ingestFile(stream, path, { chunkBytes: 64 * 1024 });
    expect(r).toMatchObject({ format: 'ndjson', accepted: 2000, first: 0, last: 1999, rejectedCount: 0 });
    expect((await stream.read(1500, 3)).map((e) => e.message)).toEqual(msgs.slice(1500, 1503));

    // Fail the third chunk's append.
    let appends = 0;
    const write = io.write;
    io.write = async (...args) => {
      if (++appends === 3) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
      return write(...args);
    };
    const err = await ingestFile(stream, path, { chunkBytes: 64 * 1024 }).catch((e) => e);
    expect(err).toBeInstanceOf(IngestFileError);
    expect(err.code).toBe('DISK_FULL');
    expect(err.summary.accepted).toBeGreaterThan(0);
    expect(err.summary.first).toBe(2000);
    expect(stream.nextOffset).toBe(2000 + err.summary.accepted);
    expect(err.message).toMatch(/stopped after \d+ messages: disk full/);
    await stream.close();
  });
});

/** Bytes of the varint at b[at..]. */
function varintLength(b: Uint8Array, at: number): number {
  let n = 1;
  while (b[at + n - 1] >= 0x80) n++;
  return n;
}
