import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frameMessage, readFrames } from '../message/framing';
import { MAX_MESSAGE_SIZE, MessageError } from '../message/message';
import { LogFullError, LogLockedError, LogWriteError } from './errors';
import { framedSize, segmentFileName, writeFramed } from './segment-file';
import { SegmentLog, type LogRecord } from './segment-log';
import { faultyFs } from './testing/faulty-fs';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'foresight-log-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Deterministic records of varied sizes; every one full of 0x1E/0x1F bytes to stress resync. */
function record(i: number, size = 1 + ((i * 7919) % 3000)): Uint8Array {
  const r = new Uint8Array(size);
  for (let k = 0; k < size; k++) r[k] = k % 5 === 0 ? 0x1e : k % 7 === 0 ? 0x1f : (i * 31 + k) & 0xff;
  r[0] = i & 0xff;
  return r;
}

async function readAll(log: SegmentLog, from = 0, page = 333): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let next = from; ; ) {
    const got = await log.read(next, { maxRecords: page });
    if (got.length === 0) return out;
    out.push(...got.map((r) => ({ offset: r.offset, encoded: r.encoded.slice() })));
    next = got[got.length - 1].offset + 1;
  }
}

function expectRecords(got: LogRecord[], from: number, to: number, size?: (offset: number) => number): void {
  expect(got.map((r) => r.offset)).toEqual(Array.from({ length: to - from }, (_, k) => from + k));
  for (const r of got) expect(r.encoded).toEqual(record(r.offset, size?.(r.offset)));
}

describe('SegmentLog append and read', () => {
  it('round-trips records across segment rolls, before and after reopening', async () => {
    const dir = tempDir();
    const opts = { segmentBytes: 16 * 1024, indexIntervalBytes: 2048, retentionBytes: 1 << 30 };
    const log = await SegmentLog.open(dir, opts);
    let next = 0;
    for (let batch = 0; batch < 40; batch++) {
      const n = 1 + (batch % 9);
      const recs = Array.from({ length: n }, (_, k) => record(next + k));
      const ack = await log.append(recs);
      expect(ack).toEqual({ first: next, last: next + n - 1, count: n });
      next += n;
    }
    expect(log.nextOffset).toBe(next);
    const segments = readdirSync(dir).filter((f) => f.endsWith('.log'));
    expect(segments.length).toBeGreaterThan(3);
    expect(segments[0]).toBe(segmentFileName(0));
    expectRecords(await readAll(log), 0, next);
    // Reads starting in the middle of segments and pages.
    for (const from of [1, 17, 63, next - 5, next - 1]) expectRecords(await readAll(log, from, 7), from, next);
    expect(await log.read(next)).toEqual([]);
    await log.close();

    // Sealed segments' .idx files are used; delete some to force a rebuild by scan.
    const idx = readdirSync(dir).filter((f) => f.endsWith('.idx'));
    expect(idx.length).toBe(segments.length - 1);
    rmSync(join(dir, idx[0]));
    writeFileSync(join(dir, idx[1]), 'garbage');
    const again = await SegmentLog.open(dir, opts);
    expect(again.openReport.truncatedBytes).toBe(0);
    expect(again.nextOffset).toBe(next);
    expectRecords(await readAll(again, 0, 50), 0, next);
    expectRecords(await readAll(again, 29, 3), 29, next);
    const more = await again.append([record(next), record(next + 1)]);
    expect(more.first).toBe(next);
    expectRecords(await readAll(again), 0, next + 2);
    await again.close();
  });

  it('writes plain Hindsight framing: the segments concatenated are a readable stream', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir, { segmentBytes: 8 * 1024 });
    const recs = Array.from({ length: 50 }, (_, i) => record(i));
    await log.append(recs);
    await log.append([record(50, MAX_MESSAGE_SIZE), record(51, 127), record(52, 128), record(53, 16384)]);
    await log.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    const all = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
    const frames = [...readFrames(all)];
    expect(frames.every((f) => f.kind === 'record')).toBe(true);
    expect(frames.length).toBe(54);
    frames.forEach((f, i) => {
      if (f.kind === 'record') expect(new Uint8Array(f.message)).toEqual(i < 50 ? record(i) : [record(50, MAX_MESSAGE_SIZE), record(51, 127), record(52, 128), record(53, 16384)][i - 50]);
    });
  });

  it('frames records exactly as frameMessage does', () => {
    for (const len of [1, 127, 128, 16383, 16384, MAX_MESSAGE_SIZE]) {
      const rec = record(len, len);
      const out = new Uint8Array(framedSize(len));
      expect(writeFramed(out, 0, rec)).toBe(out.length);
      expect(out).toEqual(frameMessage(rec));
    }
  });

  it('refuses empty and oversize records without writing anything', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir);
    await log.append([record(0)]);
    await expect(log.append([record(1), new Uint8Array(0)])).rejects.toThrow(MessageError);
    await expect(log.append([new Uint8Array(MAX_MESSAGE_SIZE + 1)])).rejects.toThrow(/records\[0\].*65537 bytes/);
    expect(log.nextOffset).toBe(1);
    expect((await log.append([])).count).toBe(0);
    expectRecords(await readAll(log), 0, 1);
    await log.close();
  });

  it('limits a read by bytes but always returns at least one record', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir);
    await log.append(Array.from({ length: 20 }, (_, i) => record(i, 1000)));
    expect((await log.read(0, { maxBytes: 2500 })).length).toBe(3);
    expect((await log.read(5, { maxBytes: 1 })).map((r) => r.offset)).toEqual([5]);
    expect((await log.read(-10, { maxRecords: 2 })).map((r) => r.offset)).toEqual([0, 1]);
    await log.close();
  });

  it('keeps readers consistent while appends and rolls happen', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir, { segmentBytes: 4096, indexIntervalBytes: 512 });
    const writes: Promise<unknown>[] = [];
    let seen = 0;
    for (let i = 0; i < 300; i++) {
      writes.push(log.append([record(i)]));
      if (i % 25 === 0) {
        const got = await readAll(log, seen);
        for (const r of got) expect(r.encoded).toEqual(record(r.offset));
        if (got.length) {
          expect(got[0].offset).toBe(seen);
          seen = got[got.length - 1].offset + 1;
        }
      }
    }
    await Promise.all(writes);
    expectRecords(await readAll(log), 0, 300);
    await log.close();
  });

  it('refuses a second open of the same directory, in this process or another live one', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir);
    await expect(SegmentLog.open(dir)).rejects.toThrow(LogLockedError);
    await log.close();
    const [a, b] = await Promise.allSettled([SegmentLog.open(dir), SegmentLog.open(dir)]);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    for (const r of [a, b]) if (r.status === 'fulfilled') await r.value.close();

    const other = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'LOCK'), `${other.pid}\n`);
    await expect(SegmentLog.open(dir)).rejects.toThrow(new RegExp(`in use by process ${other.pid}`));
    other.kill('SIGKILL');
    await new Promise((r) => other.on('exit', r));
    const stale = await SegmentLog.open(dir); // the lock of a dead process is stale
    await stale.close();
  });
});

describe('group commit', () => {
  it('gathers appends made during an fsync into one write and one fsync, acknowledging all', async () => {
    const dir = tempDir();
    const io = faultyFs();
    const log = await SegmentLog.open(dir, { fs: io });
    let release!: () => void;
    io.fsyncGate = new Promise<void>((r) => (release = r));
    const fsyncsBefore = io.fsyncCount;
    const writesBefore = io.writeCount;
    const first = log.append([record(0)]);
    // Let the first commit reach its fsync, then pile up 200 more appends.
    await new Promise((r) => setTimeout(r, 20));
    const rest = Array.from({ length: 200 }, (_, i) => log.append([record(i + 1)]));
    let acked = 0;
    for (const p of rest) void p.then(() => acked++);
    await new Promise((r) => setTimeout(r, 20));
    expect(acked).toBe(0); // nothing is acknowledged before its fsync
    io.fsyncGate = undefined;
    release();
    const acks = await Promise.all([first, ...rest]);
    expect(acks.map((a) => a.first)).toEqual(Array.from({ length: 201 }, (_, i) => i));
    expect(io.fsyncCount - fsyncsBefore).toBe(2);
    expect(io.writeCount - writesBefore).toBe(2);
    expect(log.stats().commits).toBe(2);
    expectRecords(await readAll(log), 0, 201);
    await log.close();
  });

  it('does not let one commit exceed maxCommitBytes (but never splits a batch)', async () => {
    const dir = tempDir();
    const io = faultyFs();
    const log = await SegmentLog.open(dir, { fs: io, maxCommitBytes: 10_000 });
    const before = io.fsyncCount;
    const acks = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append([record(i, 4000)])));
    expect(acks.map((a) => a.first)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(io.fsyncCount - before).toBeGreaterThanOrEqual(5);
    const big = await log.append(Array.from({ length: 5 }, (_, i) => record(10 + i, 4000)));
    expect(big.count).toBe(5);
    expectRecords(await readAll(log), 0, 15, () => 4000);
    await log.close();
  });
});

describe('torn tail', () => {
  for (const [name, tail] of [
    ['a partial record', frameMessage(record(999, 500)).subarray(0, 200)],
    ['a bare separator', Uint8Array.of(0x1e)],
    ['a header only', frameMessage(record(999, 500)).subarray(0, 6)],
    ['zeros (a lost page)', new Uint8Array(4096)],
    ['garbage', Uint8Array.from({ length: 333 }, (_, i) => (i * 13) & 0xff)],
  ] as const) {
    it(`cuts ${name} at the end of the last segment and appends after it`, async () => {
      const dir = tempDir();
      const opts = { segmentBytes: 8192 };
      const log = await SegmentLog.open(dir, opts);
      for (let i = 0; i < 30; i += 3) await log.append([record(i), record(i + 1), record(i + 2)]);
      await log.close();
      const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
      const last = join(dir, files[files.length - 1]);
      const goodSize = statSync(last).size;
      appendFileSync(last, tail);

      const again = await SegmentLog.open(dir, opts);
      expect(again.openReport.truncatedAt).toBe(goodSize);
      expect(again.openReport.truncatedBytes).toBe(tail.length);
      expect(statSync(last).size).toBe(goodSize);
      expect(again.nextOffset).toBe(30);
      expectRecords(await readAll(again), 0, 30);
      await again.append([record(30), record(31)]);
      expectRecords(await readAll(again), 0, 32);
      await again.close();
      const third = await SegmentLog.open(dir, opts);
      expect(third.openReport.truncatedBytes).toBe(0);
      expectRecords(await readAll(third), 0, 32);
      await third.close();
    });
  }

  it('keeps an empty last segment left by a crash during a roll', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir);
    await log.append([record(0), record(1)]);
    await log.close();
    writeFileSync(join(dir, segmentFileName(2)), '');
    const again = await SegmentLog.open(dir);
    expect(again.nextOffset).toBe(2);
    await again.append([record(2)]);
    expectRecords(await readAll(again), 0, 3);
    await again.close();
  });
});

describe('disk full and write errors', () => {
  it('refuses an append with DISK_FULL, keeps what was written, and works once space returns', async () => {
    const dir = tempDir();
    const io = faultyFs();
    const log = await SegmentLog.open(dir, { fs: io });
    await log.append([record(0), record(1), record(2)]);
    const file = join(dir, segmentFileName(0));
    const before = readFileSync(file);

    io.failWrites = 'ENOSPC';
    io.partialBytes = 700; // the disk took part of the buffer before filling up
    const refused = log.append([record(3), record(4)]);
    await expect(refused).rejects.toBeInstanceOf(LogFullError);
    await expect(refused).rejects.toMatchObject({ code: 'DISK_FULL', retryAfterMs: expect.any(Number) });
    await expect(log.append([record(3)])).rejects.toThrow(/disk full/);
    expect(readFileSync(file)).toEqual(before);
    expect(log.nextOffset).toBe(3);
    expectRecords(await readAll(log), 0, 3);
    expect(log.stats().failedCommits).toBe(2);

    io.failWrites = undefined;
    expect(await log.append([record(3), record(4)])).toMatchObject({ first: 3, last: 4 });
    expectRecords(await readAll(log), 0, 5);
    await log.close();
    const again = await SegmentLog.open(dir);
    expect(again.openReport.truncatedBytes).toBe(0);
    expectRecords(await readAll(again), 0, 5);
    await again.close();
  });

  it('rolls back a failed fsync (EIO) as WRITE_FAILED and a failure while starting a segment', async () => {
    const dir = tempDir();
    const io = faultyFs();
    const log = await SegmentLog.open(dir, { fs: io, segmentBytes: 4096 });
    await log.append([record(0, 3000)]);
    io.failFsyncs = 'EIO';
    await expect(log.append([record(1, 100)])).rejects.toBeInstanceOf(LogWriteError);
    io.failFsyncs = undefined;
    // The next append must roll: make the new segment's write fail with ENOSPC.
    io.failWrites = 'ENOSPC';
    io.failPath = segmentFileName(1);
    await expect(log.append([record(1, 3000)])).rejects.toMatchObject({ code: 'DISK_FULL' });
    io.failWrites = undefined;
    await log.append([record(1, 3000)]);
    await log.append([record(2, 50)]);
    const size = (o: number) => [3000, 3000, 50][o];
    expectRecords(await readAll(log), 0, 3, size);
    await log.close();
    const again = await SegmentLog.open(dir, { segmentBytes: 4096 });
    expectRecords(await readAll(again), 0, 3, size);
    await again.close();
  });
});

describe('retention', () => {
  it('deletes whole oldest segments beyond retentionBytes, never the active one', async () => {
    const dir = tempDir();
    const log = await SegmentLog.open(dir, { segmentBytes: 4096, retentionBytes: 12_000 });
    for (let i = 0; i < 100; i++) await log.append([record(i, 500)]);
    const stats = log.stats();
    expect(stats.bytes).toBeLessThanOrEqual(12_000 + 4096);
    expect(log.firstOffset).toBeGreaterThan(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(files[0]).toBe(segmentFileName(log.firstOffset));
    expect(readdirSync(dir).filter((f) => f.endsWith('.idx')).length).toBe(files.length - 1);
    // Reading from a deleted offset starts at the oldest retained one.
    const got = await readAll(log, 0);
    expectRecords(got, log.firstOffset, 100, () => 500);
    await log.close();
  });

  it('deletes segments older than retentionMs', async () => {
    const dir = tempDir();
    let now = 1_000_000;
    const log = await SegmentLog.open(dir, { segmentBytes: 2048, retentionMs: 60_000, now: () => now });
    for (let i = 0; i < 12; i++) await log.append([record(i, 1000)]);
    const segsBefore = log.stats().segments;
    expect(segsBefore).toBeGreaterThan(3);
    expect(await log.applyRetention()).toBe(0);
    now += 61_000;
    expect(await log.applyRetention()).toBe(segsBefore - 1);
    expect(log.stats().segments).toBe(1);
    expect(log.nextOffset).toBe(12);
    await log.append([record(12, 10)]);
    expect((await readAll(log)).map((r) => r.offset)).toEqual(
      Array.from({ length: 13 - log.firstOffset }, (_, k) => log.firstOffset + k),
    );
    await log.close();
    const again = await SegmentLog.open(dir, { retentionMs: 0 });
    expect(again.nextOffset).toBe(13);
    await again.close();
  });
});
