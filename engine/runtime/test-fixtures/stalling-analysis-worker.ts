/**
 * Test fixture: the real analysis worker, except that a batch holding a
 * record with the bytes `STALL-HERE` gets it stuck for good inside the
 * matcher of the plugin whose message_matcher names `Fields[stall]`: the
 * watch cells say so (as MatcherIndex marks a costly evaluation) and the
 * thread spins. The bounded pattern engine leaves no real matcher that can
 * do this, so the fixture stands in for one to test the watchdog.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WatchCell, WatchPhase } from '../worker-watch';

const MARK = new TextEncoder().encode('STALL-HERE');
const watch = new Int32Array((workerData as { watch: SharedArrayBuffer }).watch);
let stallSlot = -1;

function holdsMark(data: Uint8Array): boolean {
  outer: for (let i = 0; i + MARK.length <= data.length; i++) {
    for (let k = 0; k < MARK.length; k++) if (data[i + k] !== MARK[k]) continue outer;
    return true;
  }
  return false;
}

type Command = { t: string; slot?: number; spec?: { config: Record<string, unknown> }; data?: Uint8Array };

function intercept(cmd: Command): void {
  if ((cmd.t === 'add' || cmd.t === 'replace') && String(cmd.spec!.config.message_matcher).includes('Fields[stall]')) stallSlot = cmd.slot!;
  if (cmd.t === 'batch' && stallSlot >= 0 && holdsMark(cmd.data!)) {
    Atomics.store(watch, WatchCell.Phase, WatchPhase.Batch);
    Atomics.store(watch, WatchCell.Matcher, stallSlot);
    Atomics.add(watch, WatchCell.Seq, 1);
    for (;;);
  }
}

// The real worker's own message listener gets the fixture's look first. (A
// listener of the fixture's own would start the port before the real worker
// listens, and the commands sent meanwhile would never reach it.)
const port = parentPort!;
const on = port.on.bind(port);
port.on = ((event: string, listener: (arg: unknown) => void) =>
  on(event as 'message', event === 'message' ? (cmd: unknown) => (intercept(cmd as Command), listener(cmd)) : listener)) as typeof port.on;

await import('../analysis-worker');
