/**
 * Test fixture: the real matcher-scan worker, except that for a matcher
 * naming `Fields[hang]`, a chunk holding a record with the bytes `HANG-HERE`
 * never returns (the thread spins), as a worker stuck inside one matcher
 * evaluation would. The bounded pattern
 * engine leaves no real matcher that does this, so the fixture stands in for
 * one to test that WindowMatcher still answers, with partial results, and
 * replaces the worker.
 */
import { parentPort } from 'node:worker_threads';

const MARK = new TextEncoder().encode('HANG-HERE');

function holdsMark(data: Uint8Array): boolean {
  outer: for (let i = 0; i + MARK.length <= data.length; i++) {
    for (let k = 0; k < MARK.length; k++) if (data[i + k] !== MARK[k]) continue outer;
    return true;
  }
  return false;
}

let hangs = false;
// Registered before the real worker's handler, so it runs first.
parentPort!.on('message', (msg: { t: string; data?: Uint8Array; matcher?: string }) => {
  if (msg.t === 'scan') hangs = msg.matcher!.includes('Fields[hang]');
  if (hangs && msg.t === 'chunk' && msg.data && holdsMark(msg.data)) for (;;);
});

await import('../matcher-scan-worker');
