/**
 * Test fixture for FairWorkerPool: a worker that answers `{ id, echo }`,
 * spins for `spinMs` first when asked (a job that overruns), or exits with
 * code 3 (a worker that dies under a job). Ready after `readyAfterMs`.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';

parentPort!.on('message', (m: { id: number; echo?: unknown; spinMs?: number; exit?: boolean }) => {
  if (m.exit) process.exit(3);
  if (m.spinMs) {
    const end = Date.now() + m.spinMs;
    while (Date.now() < end);
  }
  parentPort!.postMessage({ id: m.id, echo: m.echo, thread: threadId });
});

await new Promise((r) => setTimeout(r, (workerData as { readyAfterMs?: number }).readyAfterMs ?? 0));
parentPort!.postMessage({ t: 'ready' });
