import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MessageStream } from '../log/message-stream';
import { faultyFs } from '../log/testing/faulty-fs';
import { messageToJSON } from '../message/json';
import { ingestNdjson } from './ingest';
import { parseNdjsonRecords, type NdjsonOptions, type NdjsonRecordsResult } from './ndjson';
import { NdjsonParsePool, parseNdjsonInSlices, type NdjsonParsePoolOptions } from './ndjson-parse-pool';
import { splitAtNewlines } from './ndjson-piece';
import { sampleMessages } from './sample-messages';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const msgs = sampleMessages(700, 33);
const sampleLine = (i: number) => JSON.stringify(messageToJSON(msgs[i % msgs.length]));
const MAX_LINE = 4000;

/**
 * Every kind of line parsing must judge the same way wherever it falls:
 * CRLF, blank and whitespace lines, broken JSON, JSON that is no message,
 * over-long lines, and lines that start with U+FEFF (content, not a byte
 * order mark, after the first line).
 */
function mixedLines(n: number, { boms = true } = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 53 === 7) out.push(`{"broken ${i}`);
    else if (i % 41 === 5) out.push('');
    else if (i % 43 === 6) out.push(' \t ');
    else if (i % 47 === 8) out.push('{"Uuid":"not a uuid"}');
    else if (i % 59 === 9) out.push(`{"Payload":"${'z'.repeat(MAX_LINE + 100)}"}`);
    else if (boms && i % 5 === 4) out.push(`\uFEFF${sampleLine(i)}`);
    else out.push(i % 3 === 0 ? `${sampleLine(i)}\r` : sampleLine(i));
  }
  return out;
}
const mixedText = (n: number) => `\uFEFF${mixedLines(n).join('\n')}`;

// Small pieces, so a modest body crosses many piece boundaries.
const testPool = (options: NdjsonParsePoolOptions = {}) =>
  new NdjsonParsePool({ threads: 2, localBelowBytes: 1024, maxPieceBytes: 8192, ...options });
const faulty = (fault: string, after = 0) => new URL(`./testing/faulty-parse-worker.ts?fault=${fault}&after=${after}`, import.meta.url);

const pools: NdjsonParsePool[] = [];
function track(pool: NdjsonParsePool): NdjsonParsePool {
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function expectSame(actual: NdjsonRecordsResult, expected: NdjsonRecordsResult): void {
  expect(actual.lines).toEqual(expected.lines);
  expect(actual.rejected).toEqual(expected.rejected);
  expect(actual.rejectedCount).toBe(expected.rejectedCount);
  expect(actual.encoded.length).toBe(expected.encoded.length);
  expect(Buffer.concat(actual.encoded).equals(Buffer.concat(expected.encoded))).toBe(true);
  actual.encoded.forEach((r, i) => expect(r.length).toBe(expected.encoded[i].length));
}

describe('NdjsonParsePool', () => {
  it('gives what parseNdjsonRecords gives on a mixed body, bytes and text, across many pieces', async () => {
    const pool = track(testPool());
    expect(await pool.warmUp()).toBe(true);
    const text = mixedText(700);
    const bytes = Buffer.from(text);
    // Some later piece starts with a U+FEFF line (content there, unlike the body's leading BOM).
    const cuts = splitAtNewlines(bytes, 8192);
    expect(cuts.length).toBeGreaterThan(20);
    expect(cuts.some(([start], k) => k > 0 && bytes[start] === 0xef && bytes[start + 1] === 0xbb)).toBe(true);

    const options: NdjsonOptions = { maxLineBytes: MAX_LINE, maxRejections: 10_000 };
    const expected = parseNdjsonRecords(bytes, options);
    expect(expected.rejectedCount).toBeGreaterThan(100); // the BOM lines, broken, non-messages, long
    expect(expected.encoded.length).toBeGreaterThan(400);
    expectSame(await pool.parse(bytes, options), expected);
    expectSame(await pool.parse(text, options), parseNdjsonRecords(text, options));
    expect(pool.stats()).toMatchObject({ threads: 2, running: 2, fallbacks: 0, crashes: 0 });
    expect(pool.stats().piecesThreaded).toBeGreaterThan(40);
    // The calling-thread sliced path (no workers) agrees too.
    expectSame(await parseNdjsonInSlices(bytes, options), expected);
  });

  it('gives the same on a body with invalid UTF-8 lines, with firstLine and a rejection cap', async () => {
    const pool = track(testPool());
    await pool.warmUp();
    const lines = mixedLines(500, { boms: false }).map((l, i) => Buffer.from(i % 29 === 3 ? `{"Type":"x\xff"}` : l, i % 29 === 3 ? 'latin1' : 'utf8'));
    const parts: Buffer[] = [];
    lines.forEach((l, i) => parts.push(i ? Buffer.from('\n') : Buffer.alloc(0), l));
    const body = Buffer.concat([...parts, Buffer.from('\n\n')]);
    for (const options of [
      { maxLineBytes: MAX_LINE, firstLine: 1001, maxRejections: 10_000 },
      { maxLineBytes: MAX_LINE, firstLine: 7, maxRejections: 3 },
    ]) {
      const expected = parseNdjsonRecords(body, options);
      expect(expected.rejected.some((r) => r.reason.includes('invalid UTF-8'))).toBe(true);
      expectSame(await pool.parse(body, options), expected);
    }
    expect(pool.stats().fallbacks).toBe(0);
  });

  it('keeps tiny bodies on the calling thread: no worker is started', async () => {
    const pool = track(new NdjsonParsePool({ threads: 2 }));
    const body = Buffer.from(mixedText(50));
    expect(body.length).toBeLessThan(256 * 1024);
    expectSame(await pool.parse(body, { maxLineBytes: MAX_LINE }), parseNdjsonRecords(body, { maxLineBytes: MAX_LINE }));
    expect(pool.stats()).toEqual({ threads: 2, running: 0, piecesThreaded: 0, fallbacks: 0, crashes: 0 });
  });

  it('parses on the calling thread while the workers are still loading, and with threads 0', async () => {
    const body = Buffer.from(mixedText(300));
    const expected = parseNdjsonRecords(body, { maxLineBytes: MAX_LINE });
    const pool = track(testPool());
    expectSame(await pool.parse(body, { maxLineBytes: MAX_LINE }), expected); // started them, did not wait
    expect(pool.stats().piecesThreaded).toBe(0);
    await pool.warmUp();
    expectSame(await pool.parse(body, { maxLineBytes: MAX_LINE }), expected);
    expect(pool.stats().piecesThreaded).toBeGreaterThan(0);

    const none = track(testPool({ threads: 0 }));
    expect(await none.warmUp()).toBe(false);
    expectSame(await none.parse(body, { maxLineBytes: MAX_LINE }), expected);
    expect(none.stats().running).toBe(0);
  });

  it('rejects a bad thread count with a clear error', () => {
    expect(() => new NdjsonParsePool({ threads: -1 })).toThrow(/threads must be a whole number >= 0, got -1/);
    expect(() => new NdjsonParsePool({ threads: 1.5 })).toThrow(/got 1.5/);
  });

  describe('a failing worker loses and doubles nothing: its pieces are parsed on the calling thread', () => {
    const body = Buffer.from(mixedText(400));
    const options = { maxLineBytes: MAX_LINE, maxRejections: 10_000 };
    const expected = parseNdjsonRecords(body, options);

    for (const fault of ['exit', 'throw', 'error', 'inconsistent', 'truncated']) {
      it(`fault: ${fault}`, async () => {
        const pool = track(testPool({ threads: 1, workerEntry: faulty(fault, 2) }));
        expect(await pool.warmUp()).toBe(true);
        expectSame(await pool.parse(body, options), expected);
        const s = pool.stats();
        const dies = fault === 'exit' || fault === 'throw';
        if (dies) {
          // The answer a worker posts just before it dies can reach the pool
          // after its death; it is then ignored and that piece parsed here.
          expect(s.piecesThreaded).toBeGreaterThanOrEqual(1);
          expect(s.piecesThreaded).toBeLessThanOrEqual(2);
        } else {
          expect(s.piecesThreaded).toBe(2); // the good answers before the fault were used
        }
        expect(s.fallbacks).toBeGreaterThan(0);
        if (dies) {
          expect(s.crashes).toBe(1);
          expect(s.running).toBe(0);
          // The next body starts a fresh worker (and parses locally meanwhile).
          expectSame(await pool.parse(body, options), expected);
          expect(pool.stats().running).toBe(1);
        } else {
          expect(s.crashes).toBe(0);
          expect(s.running).toBe(1);
        }
      });
    }

    it('a worker that cannot load: the pool gives up after three tries and parses locally', async () => {
      const pool = track(testPool({ threads: 1, workerEntry: faulty('load') }));
      expect(await pool.warmUp()).toBe(false);
      expect(pool.stats().crashes).toBe(3);
      expect(pool.stats().disabled).toMatch(/3 parse workers in a row died \(last: the parse worker failed: this worker fails to load\)/);
      expectSame(await pool.parse(body, options), expected);
    });

    it('a crash in the middle of an ingest: the stream holds each record once, in input order', async () => {
      const pool = track(testPool({ workerEntry: faulty('exit', 3) }));
      await pool.warmUp();
      const dir = mkdtempSync(join(tmpdir(), 'foresight-parse-pool-'));
      dirs.push(dir);
      const stream = await MessageStream.open(dir);
      const r = await ingestNdjson(stream, body, { ...options, pool });
      expect(pool.stats().fallbacks).toBeGreaterThan(0);
      expect(r.accepted).toBe(expected.encoded.length);
      expect(r.rejected).toEqual(expected.rejected);
      expect(stream.nextOffset).toBe(expected.encoded.length);
      const stored = await stream.read(0, 10_000);
      expect(Buffer.concat(stored.map((e) => e.encoded)).equals(Buffer.concat(expected.encoded))).toBe(true);
      await stream.close();
    });
  });

  it('a refusal (DISK_FULL) after a threaded parse appends nothing', async () => {
    const pool = track(testPool());
    await pool.warmUp();
    const io = faultyFs();
    const dir = mkdtempSync(join(tmpdir(), 'foresight-parse-pool-'));
    dirs.push(dir);
    const stream = await MessageStream.open(dir, { fs: io });
    await ingestNdjson(stream, sampleLine(0), { pool });
    io.failWrites = 'ENOSPC';
    io.partialBytes = 300;
    io.failPath = '.log';
    const body = Buffer.from(mixedText(300));
    await expect(ingestNdjson(stream, body, { maxLineBytes: MAX_LINE, pool })).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(pool.stats().piecesThreaded).toBeGreaterThan(0);
    io.failWrites = undefined;
    expect(stream.nextOffset).toBe(1);
    const r = await ingestNdjson(stream, body, { maxLineBytes: MAX_LINE, pool });
    expect(r.first).toBe(1);
    expect(r.accepted).toBe(parseNdjsonRecords(body, { maxLineBytes: MAX_LINE }).encoded.length);
    await stream.close();
  });

  it('close() during a parse: the parse still completes correctly, later ones run locally', async () => {
    const pool = testPool();
    await pool.warmUp();
    const body = Buffer.from(mixedText(700));
    const options = { maxLineBytes: MAX_LINE, maxRejections: 10_000 };
    const expected = parseNdjsonRecords(body, options);
    const during = pool.parse(body, options);
    await pool.close();
    expectSame(await during, expected);
    expect(pool.stats().running).toBe(0);
    expectSame(await pool.parse(body, options), expected);
    expect(await pool.warmUp()).toBe(false);
  });

  it('an idle shared pool does not keep the process alive', async () => {
    const child = join(here, 'testing', 'parse-pool-child.ts');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout.on('data', (d) => (out += String(d)));
      proc.stderr.on('data', (d) => (out += String(d)));
      const deadline = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`the child did not exit by itself: ${out}`));
      }, 60_000);
      proc.on('exit', (code) => {
        clearTimeout(deadline);
        resolve({ code, out });
      });
    });
    expect(out).toMatch(/threaded pieces: [1-9]/);
    expect(code).toBe(0);
  }, 70_000);
});
