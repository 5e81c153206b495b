/**
 * An analysis worker thread: an AnalysisCore driven by the engine's commands
 * (worker-protocol.ts), handled strictly one after another in arrival order,
 * with its plugins' tickers and a periodic stats report. Started through
 * worker-loader.mjs. What it is doing at each moment (phase, plugin in a
 * call, plugin whose costly matcher runs) goes into the shared watch cells
 * for the engine's watchdog (worker-watch.ts), which can tell whom to blame
 * while this thread is stuck.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPlugin } from '../sandbox';
import { AnalysisCore } from './analysis-core';
import { markCostlyEvaluations } from './matcher-index';
import { currentThreadId } from './thread-cpu';
import { WatchCell, WatchPhase } from './worker-watch';
import { emptyEffects, type BatchCommand, type WorkerCommand, type WorkerInit, type WorkerReply } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('analysis-worker.ts must run in a worker thread');
const init = workerData as WorkerInit;
const watch = new Int32Array(init.watch);
/** Each plugin's slot number, from the engine's add and replace commands. */
const slots = new Map<string, number>();

function setWatch(cell: number, value: number): void {
  Atomics.store(watch, cell, value);
  Atomics.add(watch, WatchCell.Seq, 1);
}

const core = new AnalysisCore({
  hostname: init.hostname,
  pid: init.pid,
  now: () => Date.now(),
  setBusy: (slot) => setWatch(WatchCell.Busy, slot),
});
markCostlyEvaluations({
  cells: watch,
  slotCell: WatchCell.Matcher,
  seqCell: WatchCell.Seq,
  slotOf: (item) => slots.get((item as { id: string }).id) ?? -1,
});

type Item = WorkerCommand | { t: 'tick' };
const queue: Item[] = [];
let pumping = false;
let closing = false;
let tickTimer: NodeJS.Timeout | undefined;

function reply(r: WorkerReply, transfer?: ArrayBuffer[]): void {
  port!.postMessage(r, transfer ?? []);
}

const tid = currentThreadId();
if (tid !== undefined) reply({ t: 'thread', tid });

port.on('message', (cmd: WorkerCommand) => {
  queue.push(cmd);
  void pump();
});

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length > 0) await handle(queue.shift()!);
  } catch (err) {
    reply({ t: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  } finally {
    pumping = false;
  }
  scheduleTick();
}

async function handle(item: Item): Promise<void> {
  const phase =
    item.t === 'batch' ? WatchPhase.Batch : item.t === 'tick' ? WatchPhase.Tick : item.t === 'add' || item.t === 'replace' ? WatchPhase.Load : WatchPhase.Stop;
  if (item.t === 'add' || item.t === 'replace') slots.set(item.id, item.slot);
  Atomics.store(watch, WatchCell.Subject, 'id' in item ? (slots.get(item.id) ?? -1) : -1);
  setWatch(WatchCell.Phase, phase);
  try {
    await run(item);
  } finally {
    setWatch(WatchCell.Phase, WatchPhase.Idle);
    if (item.t === 'remove') slots.delete(item.id);
  }
}

async function run(item: Item): Promise<void> {
  switch (item.t) {
    case 'batch':
      return runBatch(item);
    case 'tick': {
      const effects = core.tick(Date.now());
      if (effects.outputs.length || effects.injected.length || effects.terminated.length || effects.debug.length) {
        reply({ t: 'tick-done', ...effects });
      }
      return;
    }
    case 'add': {
      const r = await core.add(item.id, item.slot, item.spec, item.nextOffset, item.state);
      reply({ t: 'add-done', id: item.id, error: r.error, line: r.line, effects: r.effects });
      return;
    }
    case 'replace': {
      const r = await core.replace(item.id, item.slot, item.spec, item.keepState);
      reply({ t: 'replace-done', id: item.id, error: r.error, line: r.line, running: r.running, nextOffset: r.nextOffset, effects: r.effects });
      return;
    }
    case 'remove': {
      const r = core.remove(item.id, item.clean);
      if (!r) {
        reply({ t: 'remove-done', id: item.id, nextOffset: -1, effects: emptyEffects() });
        return;
      }
      reply({ t: 'remove-done', id: item.id, nextOffset: r.plugin.nextOffset, state: r.plugin.state, stats: r.plugin.stats, effects: r.effects });
      return;
    }
    case 'shutdown': {
      closing = true;
      clearTimeout(tickTimer);
      clearInterval(statsTimer);
      const r = core.shutdown();
      reply({ t: 'shutdown-done', plugins: r.plugins, effects: r.effects });
      return;
    }
  }
}

function runBatch(cmd: BatchCommand): void {
  const t0 = process.hrtime.bigint();
  if (!core.wants(cmd.rangeStart, cmd.rangeEnd)) {
    // Every plugin here has seen this range already (a rewind re-sent it) or waits for older data.
    reply({ t: 'batch-done', seq: cmd.seq, rangeEnd: cmd.rangeEnd, progress: [], busyNs: 0, ...emptyEffects() });
    return;
  }
  const r = core.processRecords(cmd.rangeStart, cmd.rangeEnd, cmd.offsets, cmd.ends, cmd.data);
  reply({
    t: 'batch-done',
    seq: cmd.seq,
    rangeEnd: cmd.rangeEnd,
    progress: r.progress,
    busyNs: Number(process.hrtime.bigint() - t0),
    ...r.effects,
  });
}

function scheduleTick(): void {
  if (closing) return;
  clearTimeout(tickTimer);
  const at = core.nextTickAt();
  if (!Number.isFinite(at)) return;
  tickTimer = setTimeout(
    () => {
      queue.push({ t: 'tick' });
      void pump();
    },
    Math.max(0, at - Date.now()),
  );
}

// Compile QuickJS and load the sandbox before saying ready: the engine places new plugins on ready workers.
try {
  (await createPlugin({ owner: 'foresight', name: 'warm-up', source: 'function process_message() { return 0 }', config: {} })).dispose();
} catch {
  // The first real plugin will say what is wrong.
}
reply({ t: 'ready' });

// Changed plugins every interval; all of them every tenth (utilization decays to 0 when idle).
let statsRound = 0;
const statsTimer = setInterval(() => {
  if (core.size === 0) return;
  const stats = core.stats(++statsRound % 10 !== 0);
  if (stats.length) reply({ t: 'stats', stats });
}, init.statsIntervalMs);
