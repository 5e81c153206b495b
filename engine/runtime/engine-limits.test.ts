/**
 * The Engine holds plugins to the platform's caps: deploy and Test Plugin
 * refuse a spec asking for more, and a plugin stored before an admin lowered
 * a cap (or one asking for nothing, when a cap is below the default) runs
 * with its limits cut to the caps, as PluginInfo.limits says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { Engine } from './engine';
import { PluginSpecError, type LimitCaps } from './plugin-spec';
import { seqMessages, tempDataDir, waitFor } from './test-support';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(dir: string, limitCaps?: Partial<LimitCaps>): Promise<Engine> {
  const engine = await Engine.start({ dataDir: dir, workers: 1, sampleStream: false, statsIntervalMs: 200, limitCaps });
  cleanups.push(() => engine.stop());
  return engine;
}

/** Prints the cpu_limit_ms it runs with, once. */
const REPORTER = `var said = false;
function process_message() {
  if (!said) { print('cpu_limit_ms=' + read_config('cpu_limit_ms')); said = true; }
  return 0;
}
function timer_event() {}`;

describe('Engine and the platform limit caps', () => {
  it('refuses a deploy asking for more than a cap, naming the key, the value and the cap; accepts less', async () => {
    const { dir, remove } = tempDataDir('fs-limits-');
    cleanups.push(remove);
    const engine = await start(dir);
    const spec = { owner: 'alice', name: 'greedy', code: REPORTER, config: { message_matcher: 'TRUE', cpu_limit_ms: 600_000 } };
    const err = await engine.deploy(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginSpecError);
    expect((err as PluginSpecError).field).toBe('config.cpu_limit_ms');
    expect((err as PluginSpecError).message).toContain('asks for 600000, more than this server allows (at most 1000 ms per call)');
    expect(engine.plugin('alice.greedy')).toBeUndefined();

    const ok = await engine.deploy({ ...spec, config: { message_matcher: 'TRUE', cpu_limit_ms: 200, output_limit: 2048 } });
    expect(ok.limits.cpu_limit_ms).toEqual({ value: 200, cap: 1000, asked: 200 });
    expect(ok.limits.output_limit).toEqual({ value: 2048, cap: 256 * 1024, asked: 2048 });
    expect(ok.limits.memory_limit).toEqual({ value: 8 * 1024 * 1024, cap: 64 * 1024 * 1024 });

    // Test Plugin goes by the same caps.
    await expect(engine.testPlugin(spec, sampleMessages(1, 1))).rejects.toThrow(/config\.cpu_limit_ms: asks for 600000/);
    await expect(engine.testPluginOnWindow(spec, 100)).rejects.toThrow(/config\.cpu_limit_ms: asks for 600000/);
  });

  it('cuts a stored plugin to a cap lowered after it was deployed, and a default above a cap to the cap', async () => {
    const { dir, remove } = tempDataDir('fs-limits-');
    cleanups.push(remove);
    const generous = await start(dir, { cpu_limit_ms: 5000 });
    await generous.deploy({ owner: 'alice', name: 'asked', code: REPORTER, config: { message_matcher: 'Fields[seq] != NIL', cpu_limit_ms: 4000 } });
    await generous.deploy({ owner: 'alice', name: 'silent', code: REPORTER, config: { message_matcher: 'Fields[seq] != NIL' } });
    expect(generous.plugin('alice.asked')!.limits.cpu_limit_ms).toEqual({ value: 4000, cap: 5000, asked: 4000 });
    await generous.stop();

    const strict = await start(dir, { cpu_limit_ms: 100 });
    expect(strict.plugin('alice.asked')!.error).toBeUndefined();
    expect(strict.plugin('alice.asked')!.state).toBe('running');
    expect(strict.plugin('alice.asked')!.limits.cpu_limit_ms).toEqual({ value: 100, cap: 100, asked: 4000 });
    expect(strict.plugin('alice.silent')!.limits.cpu_limit_ms).toEqual({ value: 100, cap: 100 });
    await strict.ingest(seqMessages(0, 5));
    // What the sandbox runs with is the cut value.
    await waitFor('both report', () => strict.debugOutput('alice.asked').length > 0 && strict.debugOutput('alice.silent').length > 0);
    expect(strict.debugOutput('alice.asked')).toEqual(['cpu_limit_ms=100']);
    expect(strict.debugOutput('alice.silent')).toEqual(['cpu_limit_ms=100']);
  });

  it('refuses to start with a cap out of range, naming it', async () => {
    const { dir, remove } = tempDataDir('fs-limits-');
    cleanups.push(remove);
    await expect(Engine.start({ dataDir: dir, workers: 1, sampleStream: false, limitCaps: { cpu_limit_ms: 0 } })).rejects.toThrow(
      /cap for cpu_limit_ms must be a whole number/,
    );
    // It let the data directory go: a correct start works at once.
    await start(dir);
  });
});
