import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import type { Message } from '../message/message';
import { LogClosedError, LogFullError, OverloadedError } from './errors';
import { MessageStream } from './message-stream';
import type { LogEntry, StreamEntry } from './recent-window';
import { encodeMessage } from '../message/protobuf';
import { faultyFs } from './testing/faulty-fs';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'foresight-stream-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SAMPLES = sampleMessages(3000, 11);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Collect entries from a tail until `count` have arrived. */
async function collect(stream: MessageStream, from: number, count: number, maxBatch = 64): Promise<LogEntry[]> {
  const got: LogEntry[] = [];
  const ac = new AbortController();
  for await (const batch of stream.tail(from, { maxBatch, signal: ac.signal })) {
    expect(batch.length).toBeLessThanOrEqual(maxBatch);
    got.push(...batch);
    if (got.length >= count) ac.abort();
  }
  return got;
}

describe('MessageStream ingest and read', () => {
  it('appends durably, publishes to the window, and reads back decoded from disk', async () => {
    const dir = tempDir();
    const stream = await MessageStream.open(dir, { windowCapacity: 100, log: { segmentBytes: 64 * 1024 } });
    const published: number[] = [];
    stream.onPublish((es) => published.push(...es.map((e) => e.offset)));
    const r1 = await stream.ingest(SAMPLES.slice(0, 150));
    expect(r1).toEqual({ accepted: 150, first: 0, last: 149, rejected: [] });
    const r2 = await stream.ingest(SAMPLES.slice(150, 400));
    expect(r2).toMatchObject({ accepted: 250, first: 150, last: 399 });
    expect(stream.nextOffset).toBe(400);
    expect(published).toEqual(range(0, 400));

    const recent = stream.recent();
    expect(recent.map((e) => e.offset)).toEqual(range(300, 400));
    expect(recent[0].message).toBe(SAMPLES[300]); // the ingested object itself: no decode on the ack path
    expect(stream.recent(5).map((e) => e.offset)).toEqual(range(395, 400));

    // Offsets older than the window come from disk, decoded.
    const old = await stream.read(10, 20);
    expect(old.map((e) => e.offset)).toEqual(range(10, 30));
    old.forEach((e, i) => expect(e.message).toEqual(SAMPLES[10 + i]));
    // A page crossing from disk into the window.
    const crossing = await stream.read(290, 50);
    expect(crossing.map((e) => e.offset)).toEqual(range(290, 340));
    crossing.forEach((e) => expect(e.message).toEqual(SAMPLES[e.offset]));
    expect(stream.stats()).toMatchObject({ ingested: 400, rejected: 0, pendingMessages: 0 });
    await stream.close();
  });

  it('rejects only the messages that cannot be encoded, naming each', async () => {
    const stream = await MessageStream.open(tempDir());
    const bad1 = { ...SAMPLES[1], uuid: new Uint8Array(3) } as Message;
    const bad2 = { ...SAMPLES[2], fields: [{ name: 'n', valueType: 2, representation: '', value: ['x'] }] } as Message;
    const r = await stream.ingest([SAMPLES[0], bad1, bad2, SAMPLES[3]]);
    expect(r.accepted).toBe(2);
    expect(r.first).toBe(0);
    expect(r.last).toBe(1);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2]);
    expect(r.rejected[0].reason).toMatch(/Uuid/);
    expect(r.rejected[1].reason).toMatch(/Fields\[0\]/);
    expect(stream.recent().map((e) => e.message)).toEqual([SAMPLES[0], SAMPLES[3]]);
    const none = await stream.ingest([bad1]);
    expect(none).toMatchObject({ accepted: 0, first: 2, last: 1 });
    expect(stream.stats().rejected).toBe(3);
    await stream.close();
  });

  it('stores already-encoded messages byte for byte, rejecting ones that do not decode, and decodes lazily', async () => {
    const stream = await MessageStream.open(tempDir());
    const good = SAMPLES.slice(0, 3).map((m) => encodeMessage(m));
    const r = await stream.ingestEncoded([good[0], Uint8Array.of(0xff, 0xff), good[1], new Uint8Array(0), good[2]]);
    expect(r).toMatchObject({ accepted: 3, first: 0, last: 2 });
    expect(r.rejected.map((x) => x.index)).toEqual([1, 3]);
    expect(r.rejected[1].reason).toMatch(/0 bytes/);
    const entries = stream.recent() as StreamEntry[];
    expect(entries.map((e) => e.encoded)).toEqual(good);
    expect(entries.map((e) => e.isDecoded)).toEqual([false, false, false]);
    expect(entries[1].message).toEqual(SAMPLES[1]);
    expect(entries[1].isDecoded).toBe(true);
    expect(entries[1].message).toBe(entries[1].message); // decoded once, kept
    await stream.close();
  });

  it('warms the window from disk on reopen and keeps checkpoints', async () => {
    const dir = tempDir();
    const s1 = await MessageStream.open(dir, { windowCapacity: 50 });
    await s1.ingest(SAMPLES.slice(0, 120));
    s1.checkpoints.set('plugin.a', 77);
    await s1.close();
    await expect(s1.ingest(SAMPLES.slice(0, 1))).rejects.toBeInstanceOf(LogClosedError);

    const s2 = await MessageStream.open(dir, { windowCapacity: 50 });
    expect(s2.checkpoints.get('plugin.a')).toBe(77);
    expect(s2.nextOffset).toBe(120);
    const recent = s2.recent();
    expect(recent.map((e) => e.offset)).toEqual(range(70, 120));
    recent.forEach((e) => expect(e.message).toEqual(SAMPLES[e.offset]));
    await s2.ingest(SAMPLES.slice(120, 130));
    expect(s2.recent(3).map((e) => e.offset)).toEqual([127, 128, 129]);
    await s2.close();

    const s3 = await MessageStream.open(dir, { windowCapacity: 50, warmWindow: 0 });
    expect(s3.recent()).toEqual([]);
    expect((await s3.read(125, 10)).map((e) => e.offset)).toEqual(range(125, 130));
    await s3.close();
  });
});

describe('MessageStream offsetForTime', () => {
  it('finds the first offset at or after a time, on disk and in the window', async () => {
    const stream = await MessageStream.open(tempDir(), { windowCapacity: 100 });
    expect(await stream.offsetForTime(0n)).toBe(0); // empty stream: the head
    await stream.ingest(SAMPLES.slice(0, 1000));
    const ts = SAMPLES.slice(0, 1000).map((m) => m.timestamp);
    for (const i of [0, 1, 37, 500, 899, 900, 950, 999]) {
      expect(await stream.offsetForTime(ts[i])).toBe(i);
      expect(await stream.offsetForTime(ts[i] - 1n)).toBe(ts[i - 1] === ts[i] - 1n ? i - 1 : i);
    }
    expect(await stream.offsetForTime(0n)).toBe(0);
    expect(await stream.offsetForTime(ts[999] + 1n)).toBe(1000);
    await stream.close();
  });
});

describe('MessageStream tail', () => {
  it('a backfill reader catches up from disk, crosses into the window and follows live ingest in order', async () => {
    const dir = tempDir();
    const stream = await MessageStream.open(dir, { windowCapacity: 40, log: { segmentBytes: 32 * 1024 } });
    await stream.ingest(SAMPLES.slice(0, 500));
    const total = 1500;
    const reader = collect(stream, 0, total, 64);
    const live = collect(stream, stream.nextOffset, total - 500, 1000);
    // Ingest the rest while the readers run, in many small concurrent batches.
    const writes: Promise<unknown>[] = [];
    for (let i = 500; i < total; i += 25) {
      writes.push(stream.ingest(SAMPLES.slice(i, i + 25)));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(writes);
    const got = await reader;
    expect(got.map((e) => e.offset)).toEqual(range(0, total));
    got.forEach((e) => expect(e.message).toEqual(SAMPLES[e.offset]));
    expect((await live).map((e) => e.offset)).toEqual(range(500, total));
    await stream.close();
  });

  it('starts at the oldest retained offset when asked for one retention deleted', async () => {
    const dir = tempDir();
    const stream = await MessageStream.open(dir, {
      windowCapacity: 10,
      log: { segmentBytes: 8 * 1024, retentionBytes: 30 * 1024 },
    });
    for (let i = 0; i < 600; i += 50) await stream.ingest(SAMPLES.slice(i, i + 50));
    const first = stream.firstOffset;
    expect(first).toBeGreaterThan(0);
    const got = await collect(stream, 0, 600 - first);
    expect(got.map((e) => e.offset)).toEqual(range(first, 600));
    await stream.close();
  });

  it('ends tail iterators when the stream closes', async () => {
    const stream = await MessageStream.open(tempDir());
    await stream.ingest(SAMPLES.slice(0, 3));
    const seen: number[] = [];
    const done = (async () => {
      for await (const batch of stream.tail(0)) seen.push(...batch.map((e) => e.offset));
    })();
    await new Promise((r) => setTimeout(r, 20));
    await stream.close();
    await done;
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('MessageStream back-pressure', () => {
  it('refuses ingest with OVERLOADED and a retry hint while too much waits for the disk', async () => {
    const io = faultyFs();
    const stream = await MessageStream.open(tempDir(), { fs: io, maxPendingMessages: 100 });
    let release!: () => void;
    io.fsyncGate = new Promise<void>((r) => (release = r));
    const first = stream.ingest(SAMPLES.slice(0, 80)); // waits on the gated fsync
    const second = stream.ingest(SAMPLES.slice(80, 100)); // fits: 100 pending
    const refused = stream.ingest(SAMPLES.slice(100, 101));
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED', retryAfterMs: expect.any(Number) });
    await expect(refused).rejects.toThrow(/100 messages .* already waiting/);
    io.fsyncGate = undefined;
    release();
    expect((await first).last).toBe(79);
    expect((await second).last).toBe(99);
    // A batch larger than the bound still goes in when nothing else waits.
    expect((await stream.ingest(SAMPLES.slice(100, 400))).accepted).toBe(300);
    expect(stream.stats().overloaded).toBe(1);
    await stream.close();
  });

  it('refuses ingest with DISK_FULL, keeps published data intact, and recovers', async () => {
    const io = faultyFs();
    const dir = tempDir();
    const stream = await MessageStream.open(dir, { fs: io });
    await stream.ingest(SAMPLES.slice(0, 10));
    io.failWrites = 'ENOSPC';
    io.partialBytes = 1000;
    io.failPath = '.log';
    await expect(stream.ingest(SAMPLES.slice(10, 20))).rejects.toBeInstanceOf(LogFullError);
    expect(stream.nextOffset).toBe(10);
    expect(stream.recent().length).toBe(10);
    io.failWrites = undefined;
    expect(await stream.ingest(SAMPLES.slice(10, 20))).toMatchObject({ first: 10, last: 19 });
    expect(stream.stats().diskFull).toBe(1);
    await stream.close();
    const again = await MessageStream.open(dir);
    const all = await again.read(0, 100);
    expect(all.map((e) => e.offset)).toEqual(range(0, 20));
    all.forEach((e) => expect(e.message).toEqual(SAMPLES[e.offset]));
    await again.close();
  });
});
