import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { MatcherIndex, markCostlyEvaluations } from './matcher-index';
import { MATCHER_STALL_MS, StallJudge, WATCH_CELLS, WatchCell, WatchPhase, type WatchReading } from './worker-watch';

const ctx = { cpuLimitMs: (slot: number) => (slot === 7 ? 100 : 500), batchRecords: () => 3 };
const reading = (r: Partial<WatchReading>): WatchReading => ({ phase: WatchPhase.Batch, busy: -1, matcher: -1, subject: -1, seq: 1, ...r });

describe('StallJudge', () => {
  it('blames the plugin whose matcher has run past MATCHER_STALL_MS on one message, once', () => {
    const judge = new StallJudge();
    const r = reading({ matcher: 4, seq: 10 });
    expect(judge.observe(r, 1000, ctx)).toBeUndefined(); // a new unit starts
    expect(judge.observe(r, 1000 + MATCHER_STALL_MS, ctx)).toBeUndefined();
    const v = judge.observe(r, 1001 + MATCHER_STALL_MS, ctx);
    expect(v).toMatchObject({ slot: 4, kind: 'matcher' });
    expect(v!.message).toBe(`message_matcher took longer than 500 ms on one message (${MATCHER_STALL_MS + 1} ms without finishing); its analysis worker was replaced`);
    expect(judge.observe(r, 1002 + MATCHER_STALL_MS, ctx)).toBeUndefined();
  });

  it('never judges a worker that keeps moving, or one that is idle', () => {
    const judge = new StallJudge();
    for (let i = 0; i < 50; i++) expect(judge.observe(reading({ matcher: 4, seq: i }), i * 400, ctx)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(judge.observe(reading({ phase: WatchPhase.Idle, seq: 99 }), 100_000 * i, ctx)).toBeUndefined();
  });

  it("allows process_message its cpu_limit_ms per message of the batch plus a grace, then names the limit", () => {
    const judge = new StallJudge();
    const r = reading({ busy: 7, seq: 3 });
    judge.observe(r, 0, ctx);
    expect(judge.observe(r, 3 * 100 + 1000, ctx)).toBeUndefined();
    const v = judge.observe(r, 3 * 100 + 1001, ctx)!;
    expect(v).toMatchObject({ slot: 7, kind: 'process_message' });
    expect(v.message).toBe('process_message() took longer than cpu_limit_ms (100 ms per message) allows: 1301 ms on a batch of 3 messages without returning; its analysis worker was replaced');
  });

  it('judges timer_event, loading and stopping against cpu_limit_ms and their graces', () => {
    const tick = new StallJudge();
    tick.observe(reading({ phase: WatchPhase.Tick, busy: 2, seq: 1 }), 0, ctx);
    expect(tick.observe(reading({ phase: WatchPhase.Tick, busy: 2, seq: 1 }), 1501, ctx)?.message).toMatch(/^timer_event\(\) took longer than cpu_limit_ms \(500 ms\)/);
    const load = new StallJudge();
    load.observe(reading({ phase: WatchPhase.Load, subject: 2, seq: 1 }), 0, ctx);
    expect(load.observe(reading({ phase: WatchPhase.Load, subject: 2, seq: 1 }), 5400, ctx)).toBeUndefined();
    expect(load.observe(reading({ phase: WatchPhase.Load, subject: 2, seq: 1 }), 5501, ctx)).toMatchObject({ kind: 'load', slot: 2 });
  });

  it('blames no one for work that belongs to no plugin (decoding, cheap matchers)', () => {
    const judge = new StallJudge();
    judge.observe(reading({ seq: 5 }), 0, ctx);
    expect(judge.observe(reading({ seq: 5 }), 60_000, ctx)).toBeUndefined();
  });
});

describe('MatcherIndex marks for the watchdog', () => {
  it('marks each evaluation of an expression with a pattern test with its plugin slot, and only those', () => {
    const cells = new Int32Array(WATCH_CELLS);
    const seen: number[] = [];
    const index = new MatcherIndex<{ id: string }>();
    const slots: Record<string, number> = { a: 11, b: 12 };
    markCostlyEvaluations({ cells, slotCell: WatchCell.Matcher, seqCell: WatchCell.Seq, slotOf: (item) => slots[(item as { id: string }).id] });
    try {
      cells[WatchCell.Matcher] = -1;
      index.add({ id: 'a' }, "Type == 'telemetry' && Payload =~ '^x'");
      index.add({ id: 'b' }, "Type == 'telemetry'");
      const messages = sampleMessages(200, 7);
      const telemetry = messages.filter((m) => m.type === 'telemetry').length;
      for (const m of messages) {
        index.match(m, () => seen.push(cells[WatchCell.Matcher]));
        expect(cells[WatchCell.Matcher]).toBe(-1); // back to -1 after each evaluation
      }
      expect(telemetry).toBeGreaterThan(0);
      // Only the pattern expression is marked: one bump per evaluation of it.
      expect(cells[WatchCell.Seq]).toBe(telemetry);
    } finally {
      markCostlyEvaluations(undefined);
    }
  });
});
