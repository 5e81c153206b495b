import { afterAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { PoolBusyError } from './fair-worker-pool';
import { IsolatedTestRunner } from './isolated-test-runner';
import { PluginSpecError } from './plugin-spec';
import { testPlugin } from './test-plugin';

const runner = new IsolatedTestRunner({ runners: 3, perOwnerRunning: 1, perOwnerQueued: 2 });
afterAll(() => runner.close());

const COUNT = `var n = 0;
function process_message() { n++; if (read_message('Fields[docType]') === 'crash') print('crash', read_message('Uuid')); return 0; }
function timer_event() { inject_payload('txt', 'n', String(n)); }`;

describe('IsolatedTestRunner', () => {
  it('gives the same result as testPlugin in-process', async () => {
    const messages = sampleMessages(500, 4);
    const input = { code: COUNT, config: { message_matcher: "Type == 'telemetry'" } };
    const isolated = await runner.run(input, messages);
    const local = await testPlugin(input, messages);
    expect(isolated.outputs).toEqual(local.outputs);
    expect(isolated.debug).toEqual(local.debug);
    expect(isolated.processed).toBe(local.processed);
    expect(isolated.processed).toBeGreaterThan(0);
  }, 120_000);

  it('stops a run that exceeds its budget, and the next run gets a fresh worker', async () => {
    const slow = `function process_message() { var t = Date.now(); while (Date.now() - t < 300) {} return 0; }`;
    const r = await runner.run({ code: slow, config: { message_matcher: 'TRUE' } }, sampleMessages(50, 1), { timeoutMs: 1500 });
    expect(r.terminated?.error).toMatch(/stopped after 1.5 s/);
    const next = await runner.run({ code: COUNT, config: { message_matcher: 'TRUE' } }, sampleMessages(10, 1));
    expect(next.outputs.map((o) => o.payload)).toEqual(['10']);
  }, 120_000);

  it('reports a malformed spec as PluginSpecError', async () => {
    const err = await runner.run({ code: COUNT, config: {} }, []).catch((e) => e);
    expect(err).toBeInstanceOf(PluginSpecError);
    expect(err.field).toBe('config.message_matcher');
  }, 120_000);

  it("keeps one owner's queue from delaying another's: A queues slow tests, B's trivial test answers at once", async () => {
    const slow = `function process_message() { var t = Date.now(); while (Date.now() - t < 250) {} return 0; } function timer_event() {}`;
    const aInput = { owner: 'ann', code: slow, config: { message_matcher: 'TRUE' } };
    await Promise.all([1, 2, 3].map((i) => runner.run({ owner: `warm${i}`, code: COUNT, config: { message_matcher: 'TRUE' } }, [])));
    const aRuns = [1, 2, 3].map(() => runner.run(aInput, sampleMessages(10, 1), { timeoutMs: 5000 }));
    // One running and two waiting is all A may have: a fourth is refused at once.
    const refused = await runner.run(aInput, sampleMessages(1, 1)).catch((e) => e);
    expect(refused).toBeInstanceOf(PoolBusyError);
    expect(refused.message).toMatch(/ann already has 1 running and 2 waiting/);

    const started = performance.now();
    const b = await runner.run({ owner: 'bob', code: COUNT, config: { message_matcher: 'TRUE' } }, sampleMessages(20, 1));
    expect(b.outputs.map((o) => o.payload)).toEqual(['20']);
    expect(performance.now() - started).toBeLessThan(2000);

    const a = await Promise.all(aRuns);
    // A's runs went one after another: the first finished; the budget (waiting included) ran out for the later ones.
    expect(a[0].terminated, JSON.stringify(a.map((r) => r.terminated))).toBeUndefined();
    expect(a[0].processed).toBe(10);
    expect(a[1].terminated?.error).toMatch(/stopped after 5 s/);
    expect(a[2].terminated?.error).toMatch(/stopped after 5 s/);
  }, 120_000);
});
