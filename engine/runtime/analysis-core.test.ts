import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../message/protobuf';
import { AnalysisCore } from './analysis-core';
import { seqMessages, SEQ_CHECKER, type SeqCheck } from './test-support';
import { packRecords as pack } from './worker-protocol';


// Counts by docType and fails (returns -1) on every message whose seq is a multiple of 7;
// throws (terminating the plugin) at seq `read_config('die_at')`.
const COUNTER = `
var counts = {}, n = 0;
function process_message() {
  var seq = read_message('Fields[seq]');
  if (seq === read_config('die_at')) throw new Error('died at ' + seq);
  var dt = read_message('Fields[docType]') || 'none';
  counts[dt] = (counts[dt] || 0) + 1;
  n++;
  return seq % 7 === 0 ? -1 : 0;
}
function timer_event() { inject_payload('json', 'counts', JSON.stringify({ n: n, counts: counts })); }`;

async function coreWith(code: string, config: Record<string, string | number> = {}): Promise<AnalysisCore> {
  const core = new AnalysisCore({ hostname: 'h', pid: 1, now: () => 0 });
  const r = await core.add('t.p', 0, { owner: 't', name: 'p', code, config: { message_matcher: "Type == 'telemetry'", ...config } }, 0);
  expect(r.error).toBeUndefined();
  return core;
}

describe('AnalysisCore.processRecords (encoded records, read in place)', () => {
  it('gives the same progress, failures and outputs as processBatch on decoded messages', async () => {
    const records = seqMessages(0, 600).map((m) => encodeMessage(m));
    const { data, ends } = pack(records);
    const offsets = Float64Array.from(records, (_, i) => 100 + i);
    const lazyCore = await coreWith(COUNTER);
    const plainCore = await coreWith(COUNTER);
    // Advance both plugins' next offsets to the batch.
    for (const core of [lazyCore, plainCore]) core.processBatch(0, 100, [], []);
    const lazy = lazyCore.processRecords(100, 700, offsets, ends, data);
    const plain = plainCore.processBatch(100, 700, Array.from(offsets), records.map((r) => decodeMessage(r)));
    expect(lazy.progress).toEqual([['t.p', 700]]);
    expect(lazy.progress).toEqual(plain.progress);
    expect(lazy.effects.failures.length).toBeGreaterThan(0);
    expect(lazy.effects.failures).toEqual(plain.effects.failures);
    // The final timer_event's counts (stopping cleanly runs it).
    const out = (core: AnalysisCore) => core.remove('t.p', true)!.effects.outputs.map((o) => o.payload);
    const counts = out(lazyCore);
    expect(counts).toHaveLength(1);
    expect(JSON.parse(counts[0]).n).toBe(records.filter((r) => decodeMessage(r).type === 'telemetry').length);
    expect(counts).toEqual(out(plainCore));
  });

  it('skips a record that does not decode and goes on with the next, in order', async () => {
    const records = seqMessages(0, 50).map((m) => encodeMessage(m));
    records[20] = Uint8Array.of(0x0a, 0x05, 1, 2); // truncated: not a message
    const { data, ends } = pack(records);
    const core = new AnalysisCore({ hostname: 'h', pid: 1, now: () => 0 });
    await core.add('t.seq', 0, { owner: 't', name: 'seq', code: SEQ_CHECKER, config: { message_matcher: 'TRUE' } }, 0);
    const r = core.processRecords(0, 50, Float64Array.from(records, (_, i) => i), ends, data);
    expect(r.progress).toEqual([['t.seq', 50]]);
    const check = JSON.parse(core.remove('t.seq', true)!.effects.outputs[0].payload) as SeqCheck;
    expect(check).toMatchObject({ first: 0, next: 50, count: 49, dups: 0, gaps: 1 });
  });

  it('stops a plugin that throws mid-batch at exactly that record, as if fed one by one', async () => {
    const messages = seqMessages(0, 300);
    const records = messages.map((m) => encodeMessage(m));
    const { data, ends } = pack(records);
    const dieAt = messages.findIndex((m, i) => i > 150 && m.type === 'telemetry');
    const core = await coreWith(COUNTER, { die_at: dieAt });
    const r = core.processRecords(0, 300, Float64Array.from(records, (_, i) => 1000 + i), ends, data);
    expect(r.progress).toEqual([]);
    expect(r.effects.terminated).toHaveLength(1);
    expect(r.effects.terminated[0].error).toContain(`died at ${dieAt}`);
    // The next offset is the record it died on: a restart resumes there.
    expect(r.effects.terminated[0].nextOffset).toBe(1000 + dieAt);
    expect(core.has('t.p')).toBe(false);
  });
});
