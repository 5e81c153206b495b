import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageStream } from '../log/message-stream';
import type { Message } from '../message/message';
import { SampleStream } from './sample-stream';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('SampleStream', () => {
  it('stamps messages with the real clock, strictly increasing, with fresh Uuids', () => {
    const s = new SampleStream({ sink: () => undefined });
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    const a = s.generate(500);
    const b = s.generate(500);
    const all = [...a, ...b];
    expect(all[0].timestamp > before).toBe(true);
    for (let i = 1; i < all.length; i++) expect(all[i].timestamp > all[i - 1].timestamp).toBe(true);
    expect(new Set(all.map((m) => Buffer.from(m.uuid).toString('hex'))).size).toBe(1000);
    expect(all.some((m) => m.type === 'telemetry')).toBe(true);
    // Two streams (two restarts) do not repeat each other.
    const other = new SampleStream({ sink: () => undefined }).generate(5);
    expect(other.map((m) => m.uuid)).not.toEqual(a.slice(0, 5).map((m) => m.uuid));
  });

  it('feeds a live MessageStream until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foresight-sample-'));
    const stream = await MessageStream.open(dir);
    const s = new SampleStream({ rate: 2000, tickMs: 10, sink: (ms) => stream.ingest(ms) });
    s.start();
    expect(s.running).toBe(true);
    await until(() => stream.nextOffset >= 100, '100 messages');
    await s.stop();
    const stopped = stream.nextOffset;
    expect(s.stats().delivered).toBe(stopped);
    await new Promise((r) => setTimeout(r, 50));
    expect(stream.nextOffset).toBe(stopped);
    await stream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls a slow sink one batch at a time and counts refused batches as dropped', async () => {
    let calls = 0;
    let release!: () => void;
    const s = new SampleStream({
      rate: 5000,
      tickMs: 5,
      sink: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
    });
    s.start();
    await until(() => calls === 1, 'the first batch');
    await new Promise((r) => setTimeout(r, 50)); // ticks pass while the sink is busy
    expect(calls).toBe(1);
    release();
    await until(() => calls === 2, 'the second batch');
    const stopping = s.stop(); // waits for the batch in flight
    release();
    await stopping;
    expect(s.stats().delivered).toBeGreaterThan(0);

    const errors: unknown[] = [];
    const refusing = new SampleStream({
      rate: 1000,
      tickMs: 5,
      sink: async (ms: Message[]) => {
        throw Object.assign(new Error(`OVERLOADED (${ms.length})`), { code: 'OVERLOADED' });
      },
      onError: (e) => errors.push(e),
    });
    refusing.start();
    await until(() => refusing.stats().sinkErrors >= 2, 'two refusals');
    await refusing.stop();
    const st = refusing.stats();
    expect(st.delivered).toBe(0);
    expect(st.dropped).toBeGreaterThan(0);
    expect(st.lastError).toMatch(/OVERLOADED/);
    expect(errors.length).toBe(st.sinkErrors);

    const throwing = new SampleStream({ rate: 1000, tickMs: 5, sink: () => { throw new Error('sync boom'); } });
    throwing.start();
    await until(() => throwing.stats().sinkErrors >= 1, 'a synchronous failure');
    await throwing.stop();
    expect(throwing.stats().lastError).toBe('sync boom');
  });

  it('validates its options and can change rate', () => {
    expect(() => new SampleStream({ sink: () => undefined, rate: -1 })).toThrow(/between 0 and/);
    expect(() => new SampleStream({ sink: () => undefined, rate: Number.NaN })).toThrow(RangeError);
    expect(() => new SampleStream({ sink: () => undefined, tickMs: 0 })).toThrow(RangeError);
    expect(() => new SampleStream({} as never)).toThrow(/sink/);
    const s = new SampleStream({ sink: () => undefined });
    s.setRate(50);
    expect(s.rate).toBe(50);
    expect(() => s.setRate(Infinity)).toThrow(RangeError);
  });
});
