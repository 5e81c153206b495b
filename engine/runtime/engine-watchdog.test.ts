import { afterEach, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { Engine } from './engine';
import { SEQ_CHECKER, seqMessages, tempDataDir, waitFor, type SeqCheck } from './test-support';

/**
 * The watchdog against a worker stuck for good inside one plugin's matcher.
 * No real matcher can do that any more (the pattern engine is bounded), so a
 * fixture worker stands in: the real analysis worker, which gets stuck in the
 * matcher of the plugin naming Fields[stall] on a message holding STALL-HERE.
 */
const STALLING = new URL('./test-fixtures/stalling-analysis-worker.ts', import.meta.url);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startEngine(workers: number): Promise<Engine> {
  const t = tempDataDir();
  cleanups.push(t.remove);
  const engine = await Engine.start({ dataDir: t.dir, workers, sampleStream: false, statsIntervalMs: 200, analysisWorkerEntry: STALLING });
  cleanups.push(() => engine.stop());
  // Wait until every worker has warmed up, as a server that has been up a while has.
  await waitFor('ready workers', () => (engine as unknown as { threads: { ready: boolean }[] }).threads.every((t) => t.ready));
  return engine;
}

const checker = (owner: string, name: string) => ({ owner, name, code: SEQ_CHECKER, config: { message_matcher: 'Fields[seq] != NIL', preserve_data: true } });
const staller = { owner: 'mallory', name: 'boom', code: 'function process_message() { return 0 }', config: { message_matcher: "Type == 'boom' && Fields[stall] != 'no'" } };

function stallMessage() {
  const m = sampleMessages(1, 2)[0];
  m.type = 'boom';
  m.payload = 'STALL-HERE';
  return m;
}

function check(engine: Engine, id: string): SeqCheck | undefined {
  const o = engine.outputs.get(`analysis.${id}.check.json`);
  return o ? (JSON.parse(o.payload) as SeqCheck) : undefined;
}

const caughtUp = (engine: Engine, id: string) => waitFor(`${id} to catch up`, () => engine.plugin(id)!.nextOffset === engine.stream.nextOffset);

describe('the analysis watchdog', () => {
  it('replaces a worker stuck in a matcher, terminates the plugin to blame with the cause, resumes the others, and control operations do not wait for it', async () => {
    const engine = await startEngine(2);
    await engine.deploy(staller);
    const thread = engine.plugin('mallory.boom')!.thread;
    // Two of bob's plugins: one on the staller's thread, one on the other.
    await engine.deploy(checker('bob', 'a'));
    await engine.deploy(checker('bob', 'b'));
    const near = ['bob.a', 'bob.b'].find((id) => engine.plugin(id)!.thread === thread)!;
    const far = ['bob.a', 'bob.b'].find((id) => engine.plugin(id)!.thread !== thread)!;
    expect(near).toBeDefined();
    expect(far).toBeDefined();
    await engine.ingest(seqMessages(0, 500));
    await caughtUp(engine, near);
    await caughtUp(engine, far);

    await engine.ingest([stallMessage()]);
    await new Promise((r) => setTimeout(r, 100));

    // While the worker is stuck: a deploy lands on the responsive thread at once, and stopping
    // the far plugin does not wait; stopping the near one waits only for the watchdog.
    let t0 = performance.now();
    await engine.deploy(checker('carol', 'new'));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(engine.plugin('carol.new')!.thread).not.toBe(thread);
    t0 = performance.now();
    await engine.stopPlugin(far);
    expect(performance.now() - t0).toBeLessThan(1000);
    t0 = performance.now();
    await engine.stopPlugin(near);
    const nearStop = performance.now() - t0;
    expect(nearStop).toBeLessThan(3000);
    expect(engine.plugin(near)!.state).toBe('stopped');

    const boom = await waitFor('the staller terminated', () => {
      const p = engine.plugin('mallory.boom')!;
      return p.state === 'terminated' ? p : undefined;
    });
    expect(boom.error!.message).toMatch(/^message_matcher took longer than 500 ms on one message \(\d+ ms without finishing\); its analysis worker was replaced$/);

    // The stopped plugin stopped at its last acknowledged offset; started again it counts on with no gap.
    await engine.startPlugin(near);
    await engine.startPlugin(far);
    await engine.ingest(seqMessages(500, 500));
    await caughtUp(engine, near);
    await caughtUp(engine, far);
    await engine.stopPlugin(near);
    await engine.stopPlugin(far);
    expect(check(engine, near)).toMatchObject({ next: 1000, gaps: 0 });
    // The far plugin never left its worker: exactly once.
    expect(check(engine, far)).toMatchObject({ first: 0, next: 1000, count: 1000, dups: 0, gaps: 0 });
    expect(engine.workers()).toHaveLength(2);
  }, 120_000);

  it('resumes the other plugins of a stuck worker from their checkpoints on a fresh worker', async () => {
    const engine = await startEngine(1);
    await engine.deploy(staller);
    await engine.deploy(checker('bob', 'survivor'));
    await engine.ingest(seqMessages(0, 300));
    await caughtUp(engine, 'bob.survivor');
    const errors: string[] = [];
    engine.on((e) => {
      if (e.type === 'error' && e.id === 'bob.survivor') errors.push(e.message);
    });
    await engine.ingest([stallMessage(), ...seqMessages(300, 300)]);
    await waitFor('the staller terminated', () => engine.plugin('mallory.boom')!.state === 'terminated');
    await waitFor('the survivor restarted', () => errors.length > 0);
    expect(errors[0]).toMatch(/^restarted after its analysis worker was replaced: mallory\.boom: message_matcher took longer/);
    expect(engine.plugin('bob.survivor')!.state).toBe('running');
    await caughtUp(engine, 'bob.survivor');
    await engine.stopPlugin('bob.survivor');
    // At least once: from its last acknowledged offset, nothing skipped.
    expect(check(engine, 'bob.survivor')).toMatchObject({ next: 600, gaps: 0 });
  }, 120_000);
});

describe('slow batches', () => {
  it('shrink, so a control operation on a thread busy with a slow (legal) plugin waits about one short batch', async () => {
    const t = tempDataDir();
    cleanups.push(t.remove);
    const engine = await Engine.start({ dataDir: t.dir, workers: 1, sampleStream: false, statsIntervalMs: 200 });
    cleanups.push(() => engine.stop());
    const slow = `function process_message() { var t = Date.now(); while (Date.now() - t < 100) {} return 0; }`;
    await engine.deploy({ owner: 'mallory', name: 'slow', code: slow, config: { message_matcher: 'Fields[seq] != NIL' } });
    await engine.deploy(checker('bob', 'counter'));
    // One slow batch (20 messages, 2 s) teaches the thread to send small ones.
    await engine.ingest(seqMessages(0, 20));
    await caughtUp(engine, 'mallory.slow');
    await engine.ingest(seqMessages(20, 100)); // 10 s of work for the slow plugin
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await engine.stopPlugin('bob.counter');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(engine.plugin('mallory.slow')!.nextOffset).toBeLessThan(100);
  }, 120_000);
});
