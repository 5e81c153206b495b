/**
 * Worker thread body for IsolatedTestRunner: runs testPlugin() on request,
 * off the caller's event loop. Messages arrive as packed protobufs, read in
 * place. At start
 * it runs one trivial plugin (loading the modules and compiling QuickJS), then
 * says `{ t: 'ready' }`, so the pool lends it only once it answers quickly.
 */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority';
import type { Message } from '../message/message';
import { readMessageLazily } from '../message/lazy-message';
import { PluginSpecError } from './plugin-spec';
import { testPlugin, type TestPluginInput, type TestPluginOptions } from './test-plugin';

export interface TestRequest {
  id: number;
  input: TestPluginInput;
  data: Uint8Array;
  ends: Uint32Array;
  options: TestPluginOptions;
}

export type TestReply =
  | { id: number; result: Awaited<ReturnType<typeof testPlugin>> }
  | { id: number; error: { name: string; message: string; field?: string } };

const port = parentPort;
if (!port) throw new Error('test-plugin-worker.ts must run in a worker thread');
// One user's heavy run must not slow the server's own thread or the analysis workers.
lowerThreadPriority();

port.on('message', (req: TestRequest) => {
  void handle(req);
});

async function handle(req: TestRequest): Promise<void> {
  try {
    // Read in place, as the live analysis worker reads its batches: the matcher
    // and the plugin read a few values of each message, so decoding all of
    // them up front was most of a Test Plugin run over the window.
    const messages: Message[] = [];
    let start = 0;
    for (const end of req.ends) {
      messages.push(readMessageLazily(req.data, start, end));
      start = end;
    }
    const result = await testPlugin(req.input, messages, req.options);
    port!.postMessage({ id: req.id, result } satisfies TestReply);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port!.postMessage({
      id: req.id,
      error: { name: e.name, message: e.message, ...(err instanceof PluginSpecError ? { field: err.field } : {}) },
    } satisfies TestReply);
  }
}

await testPlugin({ code: 'function process_message() { return 0 }', config: { message_matcher: 'TRUE' } }, []).catch(() => undefined);
port.postMessage({ t: 'ready' });
