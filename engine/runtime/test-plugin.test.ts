import { describe, expect, it } from 'vitest';
import { compileMatcher } from '../matcher';
import { sampleMessages } from '../inputs/sample-messages';
import { readField } from '../message/fields';
import type { Message } from '../message/message';
import { PluginSpecError } from './plugin-spec';
import { testPlugin } from './test-plugin';

const COUNT = `var counts = {};
function process_message() {
  var dt = read_message('Fields[docType]') || 'unknown';
  counts[dt] = (counts[dt] || 0) + 1;
  return 0;
}
function timer_event(ns, shutdown) { inject_payload('json', 'counts', JSON.stringify(counts)); }`;

const messages = sampleMessages(3000, 21);

describe('testPlugin', () => {
  it('runs the plugin over the messages the matcher selects, then timer_event(ns, true)', async () => {
    const matcher = "Type == 'telemetry' && Fields[docType] != 'main'";
    const r = await testPlugin({ owner: 'ana', name: 'counts', code: COUNT, config: { message_matcher: matcher } }, messages);
    const want: Record<string, number> = {};
    const pred = compileMatcher(matcher);
    for (const m of messages) if (pred(m)) want[readField(m, 'docType') as string] = (want[readField(m, 'docType') as string] ?? 0) + 1;
    const matched = Object.values(want).reduce((a, b) => a + b, 0);
    expect(r.terminated).toBeUndefined();
    expect(r.seen).toBe(3000);
    expect(r.matched).toBe(matched);
    expect(r.processed).toBe(matched);
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]).toMatchObject({ topic: 'analysis.ana.counts.counts.json', name: 'counts', type: 'json', during: 'timer_event' });
    expect(JSON.parse(r.outputs[0].payload)).toEqual(want);
    expect(r.stats.timerEventCount).toBe(1);
  });

  it('reports failures with positions, debug output and injected messages', async () => {
    const code = `function process_message() {
  var dt = read_message('Fields[docType]');
  if (dt === 'crash') return [-1, 'crash pings are not counted'];
  if (dt === 'health') { print('health', read_message('Fields[pingDiscardRate]')); inject_message({ Type: 'health.seen', Fields: { n: 1 } }); }
  return 0;
}`;
    const input = messages.slice(0, 400);
    const r = await testPlugin(
      { code, config: { message_matcher: "Type == 'telemetry'", process_message_inject_limit: 1 } },
      input,
    );
    const crashes = input.flatMap((m, i) => (readField(m, 'docType') === 'crash' ? [i + 1] : []));
    const healths = input.filter((m) => readField(m, 'docType') === 'health');
    expect(crashes.length).toBeGreaterThan(0);
    expect(r.failures.map((f) => f.position)).toEqual(crashes);
    expect(r.failures[0].reason).toBe('crash pings are not counted');
    expect(r.debug).toHaveLength(healths.length);
    expect(r.debug[0]).toMatch(/^health \d/);
    expect(r.injected).toHaveLength(healths.length);
    expect(r.injected[0]).toMatchObject({ type: 'health.seen', logger: 'analysis.test.plugin' });
    expect(r.stats.processMessageFailures).toBe(crashes.length);
  });

  it('stops at a termination and says where: call, line and message position', async () => {
    const code = `var n = 0;
function process_message() {
  n++;
  if (n === 42) null.boom();
  return 0;
}
function timer_event() { inject_payload('txt', '', 'never'); }`;
    const r = await testPlugin({ name: 'boom', code, config: { message_matcher: 'TRUE' } }, messages.slice(0, 100), { filename: 'boom.js' });
    expect(r.terminated).toMatchObject({ during: 'process_message', line: 4, position: 42 });
    expect(r.terminated!.error).toMatch(/^process_message\(\) boom\.js:4: TypeError/);
    expect(r.processed).toBe(41);
    expect(r.outputs).toEqual([]); // no timer_event after a termination

    const syntax = await testPlugin({ code: 'function process_message( {', config: { message_matcher: 'TRUE' } }, messages.slice(0, 10));
    expect(syntax.terminated?.during).toBe('load');
    expect(syntax.terminated?.error).toMatch(/SyntaxError/);
    expect(syntax.processed).toBe(0);

    const badMatcher = await testPlugin({ code: COUNT, config: { message_matcher: 'Type ==' } }, messages.slice(0, 10));
    expect(badMatcher.terminated?.error).toMatch(/^invalid message_matcher: /);
    await expect(testPlugin({ code: COUNT, config: {} }, [])).rejects.toThrow(PluginSpecError);
  });

  it('drives timer_event from the messages own timestamps with a ticker_interval', async () => {
    const code = `var n = 0;
function process_message() { n++; return 0; }
function timer_event(ns, shutdown) { inject_payload('txt', 'tick', ns + ' ' + n + ' ' + shutdown); }`;
    // 60 messages one second apart.
    const base = 1_800_000_000_000_000_000n;
    const input: Message[] = sampleMessages(60, 3).map((m, i) => ({ ...m, timestamp: base + BigInt(i) * 1_000_000_000n }));
    const r = await testPlugin({ code, config: { message_matcher: 'TRUE', ticker_interval: 10 } }, input);
    const ticks = r.outputs.map((o) => o.payload.split(' '));
    // Ticks at 10, 20, ... 50 s of message time, then the shutdown one.
    expect(ticks.map((t) => t[2])).toEqual(['false', 'false', 'false', 'false', 'false', 'true']);
    expect(ticks.slice(0, 5).map((t) => (BigInt(t[0]) - base) / 1_000_000_000n)).toEqual([10n, 20n, 30n, 40n, 50n]);
    expect(ticks.slice(0, 5).map((t) => Number(t[1]))).toEqual([10, 20, 30, 40, 50]);
    expect(ticks[5][1]).toBe('60');
  });

  it('reads messages from an async source of batches', async () => {
    async function* source() {
      for (let i = 0; i < 3000; i += 700) yield messages.slice(i, i + 700);
    }
    const r = await testPlugin({ code: COUNT, config: { message_matcher: 'TRUE' } }, source());
    expect(r.seen).toBe(3000);
    expect(r.processed).toBe(3000);
  });
});
