import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { currentThreadId, threadCpuMs } from './thread-cpu';

describe.runIf(process.platform === 'linux')('thread CPU time', () => {
  it("reads another thread's CPU time, which grows while it works and not while it sleeps", async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
       parentPort.postMessage(tid);
       parentPort.on('message', (ms) => {
         if (ms > 0) { const end = Date.now() + ms; while (Date.now() < end); parentPort.postMessage('spun'); }
         else setTimeout(() => parentPort.postMessage('slept'), -ms);
       });`,
      { eval: true },
    );
    try {
      const next = () => new Promise<unknown>((resolve) => worker.once('message', resolve));
      const tid = (await next()) as number;
      expect(tid).not.toBe(currentThreadId());
      const t0 = threadCpuMs(tid)!;
      expect(t0).toBeGreaterThan(0);
      worker.postMessage(-150);
      await next();
      const t1 = threadCpuMs(tid)!;
      expect(t1 - t0).toBeLessThan(100); // asleep: (nearly) no CPU
      worker.postMessage(200);
      await next();
      expect(threadCpuMs(tid)! - t1).toBeGreaterThan(60); // spinning: CPU (a loaded machine may give it only part of the 200 ms)
    } finally {
      await worker.terminate();
    }
    expect(threadCpuMs(2 ** 30)).toBeUndefined(); // no such thread
  });
});
