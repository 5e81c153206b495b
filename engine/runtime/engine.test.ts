import { afterEach, describe, expect, it } from 'vitest';
import { MatcherError } from '../matcher';
import { Engine, type EngineEvent } from './engine';
import { PluginLoadError, PluginNotFoundError, StartPositionError } from './engine-errors';
import { PluginSpecError } from './plugin-spec';
import { SEQ_CHECKER, seqMessages, tempDataDir, waitFor, type SeqCheck } from './test-support';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startEngine(dir?: string, workers = 1): Promise<{ engine: Engine; dir: string }> {
  let d = dir;
  if (!d) {
    const t = tempDataDir();
    cleanups.push(t.remove);
    d = t.dir;
  }
  const engine = await Engine.start({ dataDir: d, workers, sampleStream: false, statsIntervalMs: 200 });
  cleanups.push(() => engine.stop());
  return { engine, dir: d };
}

const MATCH_SEQ = 'Fields[seq] != NIL';

function checker(name: string, config: Record<string, string | number | boolean> = {}, code = SEQ_CHECKER) {
  return { owner: 'alice', name, code, config: { message_matcher: MATCH_SEQ, ...config } };
}

function output(engine: Engine, id: string, name = 'check'): SeqCheck | undefined {
  const o = engine.outputs.get(`analysis.${id}.${name}.json`);
  return o ? (JSON.parse(o.payload) as SeqCheck) : undefined;
}

/** Ingest numbered messages in small batches until stopped; resolves with how many were ingested. */
function ingestUnderLoad(engine: Engine, start = 0, batch = 100): { stop: () => Promise<number>; count: () => number } {
  let n = start;
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await engine.ingest(seqMessages(n, batch));
      n += r.accepted;
      await new Promise((res) => setImmediate(res));
    }
    return n;
  })();
  return {
    stop: async () => {
      running = false;
      return loop;
    },
    count: () => n,
  };
}

async function caughtUp(engine: Engine, id: string): Promise<void> {
  await waitFor(`${id} to catch up`, () => engine.plugin(id)!.nextOffset === engine.stream.nextOffset);
}

describe('Engine', () => {
  it('updates a plugin under load: each version starts exactly where the previous one stopped', async () => {
    const { engine } = await startEngine();
    await engine.deploy(checker('upd', { out: 'v1' }));
    const load = ingestUnderLoad(engine);
    await waitFor('v1 progress', () => (engine.plugin('alice.upd')!.nextOffset ?? 0) >= 1500);
    const v2 = await engine.deploy(checker('upd', { out: 'v2' }));
    expect(v2.version).toBe(2);
    await waitFor('v2 progress', () => (engine.plugin('alice.upd')!.nextOffset ?? 0) >= 3500);
    await engine.deploy(checker('upd', { out: 'v3' }, SEQ_CHECKER + '\n// v3: new code\n'));
    await waitFor('v3 progress', () => (engine.plugin('alice.upd')!.nextOffset ?? 0) >= 5000);
    const total = await load.stop();
    await caughtUp(engine, 'alice.upd');
    await engine.stopPlugin('alice.upd');

    const v1o = output(engine, 'alice.upd', 'v1')!;
    const v2o = output(engine, 'alice.upd', 'v2')!;
    const v3o = output(engine, 'alice.upd', 'v3')!;
    for (const o of [v1o, v2o, v3o]) {
      expect(o.shutdown).toBe(true);
      expect(o.dups).toBe(0);
      expect(o.gaps).toBe(0);
    }
    expect(v1o.first).toBe(0);
    expect(v2o.first).toBe(v1o.next);
    expect(v3o.first).toBe(v2o.next);
    expect(v3o.next).toBe(total);
    expect(v1o.count + v2o.count + v3o.count).toBe(total);
    expect(engine.plugin('alice.upd')!.version).toBe(3);
    expect(engine.plugin('alice.upd')!.state).toBe('stopped');
  }, 180_000);

  it('keeps preserve_data state and its place across update, stop/start, restart and an engine restart, with no gap or duplicate', async () => {
    const { engine, dir } = await startEngine();
    await engine.deploy(checker('keep', { preserve_data: true }));
    let load = ingestUnderLoad(engine);
    const progress = async (n: number) =>
      waitFor(`progress ${n}`, () => (engine.plugin('alice.keep')!.nextOffset ?? 0) >= n || undefined);
    await progress(1000);
    await engine.deploy(checker('keep', { preserve_data: true }, SEQ_CHECKER + '\n// new code\n'));
    await progress(2000);
    await engine.stopPlugin('alice.keep');
    const stoppedAt = engine.plugin('alice.keep')!.nextOffset!;
    expect(output(engine, 'alice.keep')!.shutdown).toBe(true);
    expect(engine.outputs.get('analysis.alice.keep.check.json')!.stale).toBe(true);
    await waitFor('messages while stopped', () => engine.stream.nextOffset > stoppedAt + 500);
    await engine.startPlugin('alice.keep');
    await progress(stoppedAt + 1000);
    await engine.restartPlugin('alice.keep');
    await progress(stoppedAt + 2000);
    let total = await load.stop();
    await engine.stop();

    const second = await startEngine(dir);
    expect(second.engine.plugin('alice.keep')!.state).toBe('running');
    // The output written at shutdown survived the restart.
    expect(output(second.engine, 'alice.keep')!.shutdown).toBe(true);
    load = ingestUnderLoad(second.engine, total);
    await waitFor('more messages', () => second.engine.stream.nextOffset > total + 1000);
    total = await load.stop();
    await caughtUp(second.engine, 'alice.keep');
    await second.engine.stopPlugin('alice.keep');
    const o = output(second.engine, 'alice.keep')!;
    expect(o).toEqual({ first: 0, next: total, count: total, dups: 0, gaps: 0, shutdown: true });
  }, 180_000);

  it('takes a terminated plugin off the stream, keeps its error, time and last stats while others keep counting', async () => {
    const { engine, dir } = await startEngine();
    const bad = `function process_message() {
  var seq = read_message('Fields[seq]');
  if (seq === 500) throw new Error('boom at ' + seq);
  return 0;
}
function timer_event() { inject_payload('txt', 'alive', 'yes'); }`;
    await engine.deploy({ owner: 'alice', name: 'bad', code: bad, config: { message_matcher: MATCH_SEQ, ticker_interval: 1 } });
    await engine.deploy(checker('good'));
    await waitFor('bad output', () => engine.outputs.get('analysis.alice.bad.alive.txt'));
    const events: EngineEvent[] = [];
    engine.on((e) => events.push(e));
    for (let i = 0; i < 2000; i += 250) await engine.ingest(seqMessages(i, 250));
    await caughtUp(engine, 'alice.good');
    const info = await waitFor('termination', () => {
      const p = engine.plugin('alice.bad')!;
      return p.state === 'terminated' ? p : undefined;
    });
    expect(info.error!.message).toMatch(/^process_message\(\) bad\.js:3: Error: boom at 500/);
    expect(info.error!.line).toBe(3);
    expect(typeof info.error!.at).toBe('number');
    expect(info.stats!.processMessageCount).toBe(500);
    expect(info.nextOffset).toBe(500); // resumes at the message that terminated it
    expect(info.thread).toBeUndefined();
    expect(engine.outputs.get('analysis.alice.bad.alive.txt')!.stale).toBe(true);
    expect(events.some((e) => e.type === 'plugin' && e.plugin.id === 'alice.bad' && e.plugin.state === 'terminated')).toBe(true);
    // The other plugin kept counting through it.
    for (let i = 2000; i < 3000; i += 250) await engine.ingest(seqMessages(i, 250));
    await caughtUp(engine, 'alice.good');
    await engine.stopPlugin('alice.good');
    expect(output(engine, 'alice.good')).toMatchObject({ first: 0, next: 3000, count: 3000, dups: 0, gaps: 0 });
    expect(engine.plugin('alice.bad')!.nextOffset).toBe(500);
    await engine.stop();

    // Still terminated, with its error, after a restart; a fixed version resumes at the failing message.
    const second = await startEngine(dir);
    const again = second.engine.plugin('alice.bad')!;
    expect(again.state).toBe('terminated');
    expect(again.error!.message).toBe(info.error!.message);
    await second.engine.deploy(checker('bad', { out: 'fixed' }));
    await caughtUp(second.engine, 'alice.bad');
    await second.engine.stopPlugin('alice.bad');
    expect(output(second.engine, 'alice.bad', 'fixed')).toMatchObject({ first: 500, next: 3000, dups: 0, gaps: 0 });
    expect(second.engine.plugin('alice.bad')!.error).toBeUndefined();
  }, 180_000);

  it('backfills from an offset or a time within retention, and refuses positions outside it', async () => {
    const { engine } = await startEngine();
    const messages = seqMessages(0, 1000);
    await engine.ingest(messages);
    await engine.deploy(checker('from200'), { from: { offset: 200 } });
    await engine.deploy(checker('fromtime'), { from: { time: messages[600].timestamp } });
    await engine.deploy(checker('head'));
    await engine.ingest(seqMessages(1000, 100));
    for (const id of ['alice.from200', 'alice.fromtime', 'alice.head']) await caughtUp(engine, id);
    for (const id of ['alice.from200', 'alice.fromtime', 'alice.head']) await engine.stopPlugin(id);
    expect(output(engine, 'alice.from200')).toMatchObject({ first: 200, next: 1100, count: 900, dups: 0, gaps: 0 });
    expect(output(engine, 'alice.fromtime')).toMatchObject({ first: 600, next: 1100, count: 500, dups: 0, gaps: 0 });
    expect(output(engine, 'alice.head')).toMatchObject({ first: 1000, next: 1100, count: 100 });

    await expect(engine.deploy(checker('x'), { from: { offset: 5000 } })).rejects.toThrow(StartPositionError);
    await expect(engine.deploy(checker('x'), { from: { offset: -1 } })).rejects.toThrow(/whole number/);
    await expect(engine.deploy(checker('x'), { from: { time: 'yesterday' } })).rejects.toThrow(/RFC 3339/);
    expect(engine.plugin('alice.x')).toBeUndefined();
  }, 120_000);

  it('fires timer_event every ticker_interval and sends injected messages back into the stream under the plugin Logger', async () => {
    const { engine } = await startEngine();
    const echo = `var seen = 0;
function process_message() {
  seen++;
  inject_message({ Type: 'echo', Payload: 'seen ' + seen, Fields: { seq: read_message('Fields[seq]') } });
  return 0;
}
function timer_event(ns, shutdown) { inject_payload('txt', 'ticks', String(ns) + ' ' + shutdown + ' ' + seen); }`;
    const counter = `var n = 0, loggers = {};
function process_message() { n++; loggers[read_message('Logger')] = true; return 0; }
function timer_event() { inject_payload('json', 'echoes', JSON.stringify({ n: n, loggers: Object.keys(loggers) })); }`;
    // The echo plugin matches everything, its own injected messages included: it must never receive them.
    await engine.deploy({ owner: 'alice', name: 'echo', code: echo, config: { message_matcher: 'TRUE', ticker_interval: 1, process_message_inject_limit: 1 } });
    await engine.deploy({ owner: 'bob', name: 'echoes', code: counter, config: { message_matcher: "Type == 'echo'", ticker_interval: 1 } });
    const tick = await waitFor('a timer_event', () => engine.outputs.get('analysis.alice.echo.ticks.txt'));
    const [ns, shutdown] = tick.payload.split(' ');
    expect(Number(ns) % 1e9).toBe(0);
    expect(Math.abs(Number(ns) / 1e6 - Date.now())).toBeLessThan(60_000);
    expect(shutdown).toBe('false');

    await engine.ingest(seqMessages(0, 300));
    await waitFor('echoes', () => engine.stream.nextOffset === 600 && engine.plugin('bob.echoes')!.nextOffset === 600);
    await caughtUp(engine, 'alice.echo');
    await engine.stopPlugin('alice.echo');
    await engine.stopPlugin('bob.echoes');
    expect(engine.outputs.get('analysis.alice.echo.ticks.txt')!.payload).toMatch(/ true 300$/);
    expect(JSON.parse(engine.outputs.get('analysis.bob.echoes.echoes.json')!.payload)).toEqual({ n: 300, loggers: ['analysis.alice.echo'] });
    const injected = (await engine.stream.read(300, 300)).map((e) => e.message);
    expect(injected.every((m) => m.logger === 'analysis.alice.echo' && m.type === 'echo')).toBe(true);
    expect(injected.map((m) => m.fields.find((f) => f.name === 'seq')!.value[0])).toEqual([...Array(300).keys()]);
  }, 120_000);

  it('deletes a plugin: it leaves the stream, its outputs stay readable and stale, a new deploy starts fresh', async () => {
    const { engine } = await startEngine();
    await engine.deploy(checker('gone', { ticker_interval: 1 }));
    await engine.ingest(seqMessages(0, 100));
    await waitFor('output', () => output(engine, 'alice.gone')?.count === 100);
    await engine.deletePlugin('alice.gone');
    expect(engine.plugin('alice.gone')).toBeUndefined();
    expect(engine.plugins()).toEqual([]);
    expect(engine.stream.checkpoints.get('analysis.alice.gone')).toBeUndefined();
    expect(engine.outputs.get('analysis.alice.gone.check.json')).toMatchObject({ stale: true });
    await expect(engine.stopPlugin('alice.gone')).rejects.toThrow(PluginNotFoundError);
    await expect(engine.deletePlugin('alice.gone')).rejects.toThrow(PluginNotFoundError);
    const again = await engine.deploy(checker('gone'));
    expect(again.version).toBe(1);
    expect(again.nextOffset).toBe(100);
  }, 120_000);

  it('refuses bad deploys with clear errors and keeps the running version when an update does not load', async () => {
    const { engine } = await startEngine();
    await expect(engine.deploy({ owner: 'alice', name: 'x', code: '', config: {} })).rejects.toThrow(PluginSpecError);
    const matcherError = await engine.deploy(checker('x', { message_matcher: "Type = 'a'" })).catch((e) => e);
    expect(matcherError).toBeInstanceOf(MatcherError);
    expect(matcherError.position).toBe(5);
    const syntax = await engine.deploy(checker('x', {}, 'function process_message() {\n  return 0;\n}}\n')).catch((e) => e);
    expect(syntax).toBeInstanceOf(PluginLoadError);
    expect(syntax.line).toBe(3);
    expect(engine.plugin('alice.x')).toBeUndefined();

    await engine.deploy(checker('live'));
    await engine.ingest(seqMessages(0, 100));
    const broken = await engine.deploy(checker('live', {}, 'throw new Error("no");')).catch((e) => e);
    expect(broken).toBeInstanceOf(PluginLoadError);
    expect(broken.message).toMatch(/no/);
    const info = engine.plugin('alice.live')!;
    expect(info.state).toBe('running');
    expect(info.version).toBe(1);
    await engine.ingest(seqMessages(100, 100));
    await caughtUp(engine, 'alice.live');
    await engine.stopPlugin('alice.live');
    expect(output(engine, 'alice.live')).toMatchObject({ first: 0, next: 200, count: 200, dups: 0, gaps: 0 });
  }, 120_000);

  it('balances plugins across workers and reports stats as a snapshot and as events', async () => {
    const { engine } = await startEngine(undefined, 2);
    const stats: EngineEvent[] = [];
    engine.on((e) => e.type === 'stats' && stats.push(e));
    for (const n of ['p1', 'p2', 'p3', 'p4']) await engine.deploy(checker(n));
    const threads = engine.plugins().map((p) => p.thread);
    expect(threads.filter((t) => t === 0)).toHaveLength(2);
    expect(threads.filter((t) => t === 1)).toHaveLength(2);
    await engine.ingest(seqMessages(0, 500));
    for (const n of ['p1', 'p2', 'p3', 'p4']) await caughtUp(engine, `alice.${n}`);
    const s = await waitFor('stats', () => {
      const x = engine.stats()['alice.p3'];
      return x && x.processMessageCount === 500 ? x : undefined;
    });
    expect(s.matched).toBe(500);
    expect(s.matcherEvaluations).toBe(500);
    expect(s.currentMemory).toBeGreaterThan(0);
    expect(s.maxMemory).toBeGreaterThanOrEqual(s.currentMemory);
    expect(s.processMessageAvgNs).toBeGreaterThan(0);
    expect(s.nextOffset).toBe(500);
    expect(stats.length).toBeGreaterThan(0);

    // Each worker: its plugins, and busy time that grows with the work it is given.
    const before = engine.workers();
    expect(before.map((w) => [w.index, w.plugins])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const w of before) {
      expect(w.activeMs).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(w.cpuMs).toBeGreaterThan(0);
    }
    await engine.ingest(seqMessages(500, 5000));
    for (const n of ['p1', 'p2', 'p3', 'p4']) await caughtUp(engine, `alice.${n}`);
    const after = engine.workers();
    for (const w of after) {
      expect(w.activeMs).toBeGreaterThan(before[w.index].activeMs);
      expect(w.idleMs).toBeGreaterThanOrEqual(before[w.index].idleMs);
      if (process.platform === 'linux') expect(w.cpuMs).toBeGreaterThan(before[w.index].cpuMs!);
    }
  }, 120_000);

  it('moves the plugins of a crashed worker to a new one at their acknowledged offsets', async () => {
    const { engine } = await startEngine();
    const chatty = SEQ_CHECKER + "\nprint('loaded');\n";
    await engine.deploy(checker('survivor', {}, chatty));
    expect(engine.debugOutput('alice.survivor')).toEqual(['loaded']);
    const errors: EngineEvent[] = [];
    engine.on((e) => e.type === 'error' && errors.push(e));
    await engine.ingest(seqMessages(0, 1000));
    await caughtUp(engine, 'alice.survivor');
    // Kill the worker thread under the engine, as a crash would.
    const thread = (engine as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads[0];
    await thread.worker.terminate();
    await waitFor('the restart', () => errors.find((e) => e.type === 'error' && e.id === 'alice.survivor'));
    expect(engine.plugin('alice.survivor')!.state).toBe('running');
    await engine.ingest(seqMessages(1000, 1000));
    await caughtUp(engine, 'alice.survivor');
    await engine.stopPlugin('alice.survivor');
    // Its state was lost with the worker (as on kill -9); it resumed exactly after what it had acknowledged.
    expect(output(engine, 'alice.survivor')).toMatchObject({ first: 1000, next: 2000, count: 1000, dups: 0, gaps: 0 });
  }, 120_000);

  it('runs the built-in sample stream when asked', async () => {
    const { dir, remove } = tempDataDir();
    cleanups.push(remove);
    const engine = await Engine.start({ dataDir: dir, workers: 1, sampleStream: { rate: 2000 } });
    cleanups.push(() => engine.stop());
    await engine.deploy({ owner: 'alice', name: 'docs', code: 'var n = 0; function process_message() { n++; return 0; }', config: { message_matcher: "Type == 'telemetry'" } });
    const s = await waitFor('sample messages processed', () => {
      const x = engine.stats()['alice.docs'];
      return x && x.processMessageCount > 100 ? x : undefined;
    });
    expect(s.matched).toBe(s.processMessageCount);
    expect(engine.sample?.stats().delivered).toBeGreaterThan(100);
  }, 120_000);
});
