import { afterAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { IsolatedTestRunner } from './isolated-test-runner';
import { PluginSpecError } from './plugin-spec';
import { testPlugin } from './test-plugin';

const runner = new IsolatedTestRunner();
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
});
