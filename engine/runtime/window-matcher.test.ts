import { afterAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { StreamEntry, type LogEntry } from '../log';
import { compileMatcher, MatcherError } from '../matcher';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { PoolBusyError } from './fair-worker-pool';
import { WindowMatcher } from './window-matcher';

function windowOf(messages: Message[]): LogEntry[] {
  return messages.map((m, i) => new StreamEntry(i, encodeMessage(m)));
}

/**
 * A message the scan worker gets stuck on: the fixture worker spins on any
 * chunk holding it, as a worker stuck inside one evaluation would.
 */
function stuck(): Message {
  const m = sampleMessages(1, 9)[0];
  m.type = 'boom';
  m.payload = 'HANG-HERE';
  return m;
}

/** A matcher the fixture worker gets stuck with, on the stuck() message. */
const HANGING = "Type == 'telemetry' || Fields[hang] == 'yes'";

let window: LogEntry[] = windowOf(sampleMessages(10_000, 3));
const matcher = new WindowMatcher(() => window, { workers: 2, workerEntry: new URL('./test-fixtures/hanging-scan-worker.ts', import.meta.url) });
afterAll(() => matcher.close());

describe('WindowMatcher (Run Matcher)', () => {
  it('counts and pages exactly what the matcher selects, newest first', async () => {
    window = windowOf(sampleMessages(10_000, 3));
    const expression = "Type == 'telemetry' && Fields[docType] == 'main'";
    const match = compileMatcher(expression);
    const expected = window.filter((e) => match(e.message)).reverse();
    const run = await matcher.run({ owner: 'ann', matcher: expression, offset: 5, limit: 10 });
    expect(run.cutShort).toBeUndefined();
    expect(run.total).toBe(10_000);
    expect(run.scanned).toBe(10_000);
    expect(run.matched).toBe(expected.length);
    expect(run.entries.map((e) => e.offset)).toEqual(expected.slice(5, 15).map((e) => e.offset));
  }, 60_000);

  it('refuses a malformed matcher with its position before using a worker', async () => {
    const err = await matcher.run({ owner: 'ann', matcher: "Type == 'x' &&", offset: 0, limit: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(MatcherError);
    expect(err.position).toBeGreaterThan(0);
  });

  it('stops at the budget with partial results, replaces a worker stuck in one evaluation, and serves the next request', async () => {
    // Newest first: the first chunk (4096 ordinary messages) is scanned, then the scan sticks in the chunk holding the old stuck message.
    window = windowOf([stuck(), ...sampleMessages(5000, 4)]);
    const started = performance.now();
    const run = await matcher.run({ owner: 'ann', matcher: HANGING, offset: 0, limit: 5, budgetMs: 1500 });
    const took = performance.now() - started;
    expect(took).toBeLessThan(1500 + 1500);
    expect(run.cutShort?.reason).toBe('budget');
    expect(run.scanned).toBe(4096);
    expect(run.total).toBe(5001);
    expect(run.matched).toBeGreaterThan(0);
    expect(run.entries).toHaveLength(5);
    expect(run.cutShort?.message).toMatch(/1\.5 s time limit: scanned 4096 of 5001 messages \(the newest first\); \d+ of those matched/);

    // The stuck worker was replaced: both workers serve whole scans again.
    window = windowOf(sampleMessages(3000, 4));
    const next = await Promise.all([
      matcher.run({ owner: 'ann', matcher: 'TRUE', offset: 0, limit: 3 }),
      matcher.run({ owner: 'bob', matcher: 'TRUE', offset: 0, limit: 3 }),
    ]);
    for (const r of next) {
      expect(r.cutShort).toBeUndefined();
      expect(r.matched).toBe(3000);
      expect(r.entries.map((e) => e.offset)).toEqual([2999, 2998, 2997]);
    }

    // A scan over many messages stops at its budget without losing the worker.
    window = windowOf(sampleMessages(50_000, 5));
    const cut = await matcher.run({ owner: 'ann', matcher: "Payload =~ '%d+' || Fields[clientId] =~ 'x.*y.*z'", offset: 0, limit: 3, budgetMs: 30 });
    expect(cut.cutShort?.reason).toBe('budget');
    expect(cut.scanned).toBeLessThan(50_000);
  }, 60_000);

  it('allows one scan per owner at a time, and another owner is not held up by it', async () => {
    window = windowOf([stuck(), ...sampleMessages(100, 4)]);
    const slow = matcher.run({ owner: 'mallory', matcher: HANGING, offset: 0, limit: 5, budgetMs: 2000 });
    await new Promise((r) => setTimeout(r, 100));
    const second = await matcher.run({ owner: 'mallory', matcher: 'TRUE', offset: 0, limit: 5 }).catch((e) => e);
    expect(second).toBeInstanceOf(PoolBusyError);
    expect(second.message).toMatch(/mallory already has 1 running/);

    const started = performance.now();
    const other = await matcher.run({ owner: 'bob', matcher: "Type == 'telemetry'", offset: 0, limit: 5 });
    expect(other.cutShort).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1500);
    expect((await slow).cutShort?.reason).toBe('budget');
  }, 60_000);

  it('stops when the request is aborted', async () => {
    window = windowOf([...sampleMessages(100, 4), stuck()]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const started = performance.now();
    const run = await matcher.run({ owner: 'ann', matcher: HANGING, offset: 0, limit: 5, budgetMs: 20_000, signal: ac.signal });
    expect(run.cutShort?.reason).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(3000);
    // The stuck message is the newest: nothing was scanned.
    expect(run.scanned).toBe(0);
  }, 60_000);
});
