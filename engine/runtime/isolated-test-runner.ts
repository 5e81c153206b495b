/**
 * testPlugin() in worker threads, for callers whose event loop must stay
 * responsive (the portal's Test Plugin), shared fairly between users: a
 * FairWorkerPool of runners sized to the machine, at most `perOwnerRunning`
 * runs and `perOwnerQueued` waiting per owner (more is refused with
 * PoolBusyError), free runners handed to owners in turn, and one wall-clock
 * budget per request that covers the wait for a runner and the run. A run
 * that overruns is stopped with its runner (a fresh one replaces it) and
 * the result says so.
 */
import { availableParallelism } from 'node:os';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { FairWorkerPool, PoolWaitError } from './fair-worker-pool';
import { PluginSpecError } from './plugin-spec';
import { emptyStats } from './plugin-stats';
import type { TestPluginInput, TestPluginOptions, TestPluginResult } from './test-plugin';
import type { TestReply } from './test-plugin-worker';
import { packRecords } from './worker-protocol';

const ENTRY = new URL('./test-plugin-worker.ts', import.meta.url);

/** Budget of one Test Plugin request (waiting for a runner, then running), unless the caller says otherwise. */
export const DEFAULT_TEST_BUDGET_MS = 30_000;

export interface IsolatedTestOptions extends TestPluginOptions {
  /** Budget for the whole request, waiting included, ms. Default DEFAULT_TEST_BUDGET_MS. */
  timeoutMs?: number;
  /** Whose run it is, for the per-owner limits. Default the input's owner, else 'test'. */
  owner?: string;
}

export interface IsolatedTestRunnerOptions {
  /**
   * Runner threads. Default cores + 1 (2 to 4): with one run per owner, a
   * warm runner stays free for others even while a runner that overran is
   * being replaced (a fresh one takes a second or two to warm up).
   */
  runners?: number;
  /** Runs one owner may have going at once. Default 1. */
  perOwnerRunning?: number;
  /** Runs one owner may have waiting. Default 2. */
  perOwnerQueued?: number;
}

export class IsolatedTestRunner {
  private readonly pool: FairWorkerPool;

  constructor(options: IsolatedTestRunnerOptions = {}) {
    this.pool = new FairWorkerPool({
      entry: ENTRY,
      name: 'foresight-test-plugin',
      size: options.runners ?? Math.max(2, Math.min(4, availableParallelism() + 1)),
      perOwnerRunning: options.perOwnerRunning ?? 1,
      perOwnerQueued: options.perOwnerQueued ?? 2,
    });
  }

  /** Like testPlugin(), in a worker. Throws PluginSpecError for a malformed spec, PoolBusyError when the owner has too many runs. */
  run(input: TestPluginInput, messages: readonly Message[], options: IsolatedTestOptions = {}): Promise<TestPluginResult> {
    return this.runEncoded(
      input,
      messages.map((m) => encodeMessage(m)),
      options,
    );
  }

  /** run() over messages already encoded (as the stream holds them). */
  runEncoded(input: TestPluginInput, records: readonly Uint8Array[], options: IsolatedTestOptions = {}): Promise<TestPluginResult> {
    const { timeoutMs = DEFAULT_TEST_BUDGET_MS, owner = input.owner ?? 'test', ...testOptions } = options;
    const started = performance.now();
    const deadline = started + timeoutMs;
    const stopped = (why: string): TestPluginResult => ({ ...emptyResult(), terminated: { error: why, during: 'process_message' } });
    const job = this.pool.run(
      owner,
      'Test Plugin',
      async (lease) => {
        const { data, ends } = packRecords(records);
        const reply = await lease.call<TestReply>({ input, data, ends, options: testOptions }, [data.buffer, ends.buffer], deadline);
        if (reply === 'timeout' || reply instanceof Error) {
          // Whatever the plugin was doing goes with the worker; a fresh one takes its place.
          lease.discard();
          return stopped(
            reply === 'timeout'
              ? `the test run was stopped after ${seconds(timeoutMs)} s (it took too long; the budget is ${seconds(timeoutMs)} s per Test Plugin, waiting for a free runner included)`
              : `the test run failed: ${reply.message}`,
          );
        }
        if ('error' in reply) {
          if (reply.error.name === 'PluginSpecError' && reply.error.field) {
            throw new PluginSpecError(reply.error.field, reply.error.message.replace(`${reply.error.field}: `, ''));
          }
          throw new Error(reply.error.message);
        }
        return reply.result;
      },
      { waitUntil: deadline },
    );
    return job.catch((err) => {
      if (err instanceof PoolWaitError) {
        return stopped(`the test run was stopped after ${seconds(timeoutMs)} s: every test runner was busy with other people's tests all that time`);
      }
      throw err;
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function emptyResult(): TestPluginResult {
  return { seen: 0, matched: 0, processed: 0, failures: [], outputs: [], debug: [], injected: [], stats: emptyStats(0) };
}
