/**
 * testPlugin() in a worker thread, for callers whose event loop must stay
 * responsive (the portal's Test Plugin): one run at a time on a reused
 * worker, with a wall-clock budget for the whole run after which the worker
 * is stopped (and replaced for the next run) and the result says so.
 */
import { Worker } from 'node:worker_threads';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { WORKER_LOADER } from './analysis-thread';
import { PluginSpecError } from './plugin-spec';
import { emptyStats } from './plugin-stats';
import type { TestPluginInput, TestPluginOptions, TestPluginResult } from './test-plugin';
import type { TestReply, TestRequest } from './test-plugin-worker';
import { packRecords } from './worker-protocol';

const ENTRY = new URL('./test-plugin-worker.ts', import.meta.url).href;

export interface IsolatedTestOptions extends TestPluginOptions {
  /** Budget for the whole run, ms. Default 60 000. */
  timeoutMs?: number;
}

export class IsolatedTestRunner {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;

  /** Like testPlugin(), in a worker. Throws PluginSpecError for a malformed spec. */
  run(input: TestPluginInput, messages: readonly Message[], options: IsolatedTestOptions = {}): Promise<TestPluginResult> {
    const job = this.queue.catch(() => {}).then(() => this.runNow(input, messages, options));
    this.queue = job;
    return job;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private async runNow(input: TestPluginInput, messages: readonly Message[], options: IsolatedTestOptions): Promise<TestPluginResult> {
    if (this.closed) throw new Error('the test runner is closed');
    const { timeoutMs = 60_000, ...testOptions } = options;
    const { data, ends } = packRecords(messages.map((m) => encodeMessage(m)));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const reply = await new Promise<TestReply | 'timeout' | Error>((resolve) => {
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      const onMessage = (r: TestReply) => {
        if (r.id === id) finish(r);
      };
      const onError = (err: Error) => finish(err);
      const onExit = (code: number) => finish(new Error(`the test worker exited with code ${code}`));
      const finish = (v: TestReply | 'timeout' | Error) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(v);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      const req: TestRequest = { id, input, data, ends, options: testOptions };
      worker.postMessage(req, [data.buffer, ends.buffer]);
    });
    if (reply === 'timeout' || reply instanceof Error) {
      // Whatever the plugin was doing, it goes with the worker; the next run gets a fresh one.
      this.worker = undefined;
      void worker.terminate();
      const error =
        reply === 'timeout'
          ? `the test run was stopped after ${timeoutMs / 1000} s (it took too long)`
          : `the test run failed: ${reply.message}`;
      return { ...emptyResult(), terminated: { error, during: 'process_message' } };
    }
    if ('error' in reply) {
      if (reply.error.name === 'PluginSpecError' && reply.error.field) {
        throw new PluginSpecError(reply.error.field, reply.error.message.replace(`${reply.error.field}: `, ''));
      }
      throw new Error(reply.error.message);
    }
    return reply.result;
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      const w = new Worker(WORKER_LOADER, { workerData: { entry: ENTRY }, name: 'foresight-test-plugin' });
      w.unref();
      w.on('error', () => {
        if (this.worker === w) this.worker = undefined;
      });
      w.on('exit', () => {
        if (this.worker === w) this.worker = undefined;
      });
      this.worker = w;
    }
    return this.worker;
  }
}

function emptyResult(): TestPluginResult {
  return { seen: 0, matched: 0, processed: 0, failures: [], outputs: [], debug: [], injected: [], stats: emptyStats(0) };
}
