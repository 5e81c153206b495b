/**
 * The plugin sandbox: throughput of the tutorial's count-by-docType plugin
 * with batched crossings, the same plugin with one crossing per message (the
 * naive design the batches replace), and the memory of idle plugins.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readField } from '../../engine/message/fields';
import type { Message } from '../../engine/message/message';
import { sampleMessages } from '../../engine/inputs/sample-messages';
import { createPlugin } from '../../engine/sandbox';
import { newPluginModule } from '../../engine/sandbox/quickjs-module';
import { hindsightTarget } from '../anchor/same-run';
import { medianCpuSeconds, medianSeconds, type Figure } from '../figure';

const COUNT_BY_DOCTYPE = `var types = {};
function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  types[dt] = (types[dt] || 0) + 1;
  return 0;
}
function timer_event() {
  inject_payload("json", "types", JSON.stringify(types));
}`;

const IDLE_PLUGINS = 1000;
const CHILD_FLAG = '--sandbox-idle-child';

/** The same logic as COUNT_BY_DOCTYPE in plain JavaScript, for the baselines. */
function plainCount(messages: readonly Message[]): Record<string, number> {
  const types: Record<string, number> = {};
  for (const m of messages) {
    const dt = (readField(m, 'docType') as string | undefined) ?? 'unknown';
    types[dt] = (types[dt] || 0) + 1;
  }
  return types;
}

export async function run(): Promise<Figure[]> {
  const messages = sampleMessages(100_000, 1);
  const plainSeconds = medianSeconds(() => plainCount(messages), 11);
  const plainCpuSeconds = medianCpuSeconds(() => plainCount(messages), 11);

  // Batched: the engine as the runtime uses it.
  const plugin = await createPlugin({ owner: 'bench', name: 'count', source: COUNT_BY_DOCTYPE, config: {} });
  let runs = 0;
  const batchedSeconds = medianCpuSeconds(() => {
    const r = plugin.processMessages(messages);
    if (r.processed !== messages.length) throw new Error(`processed ${r.processed}: ${r.terminated?.error}`);
    runs++;
  }, 11);
  const counted = JSON.parse(plugin.timerEvent(0, false).outputs[0]?.payload ?? '{}') as Record<string, number>;
  const expected = plainCount(messages);
  for (const [dt, n] of Object.entries(expected)) {
    if (counted[dt] !== n * runs) throw new Error(`sandbox counted ${counted[dt]} ${dt}, expected ${n * runs}`);
  }
  plugin.dispose();

  const naiveMessages = messages.slice(0, 20_000);
  const naive = await naivePerMessage(naiveMessages, plainCount(naiveMessages));
  const idle = await idleMemory();
  const { target, why } = hindsightTarget();

  return [
    {
      name: 'sandbox.count_by_doctype',
      unit: 'msg/CPU-s',
      value: messages.length / batchedSeconds,
      baseline: messages.length / plainCpuSeconds,
      target,
      note:
        'the sandbox alone, messages per CPU-second of this process (GC helpers included), median of 11: batches of 1000 in one crossing each, Fields[docType] sent as a dictionary column; baseline: the same logic in plain JS. ' +
        `Limited by QuickJS interpreting process_message and read_message (~3/4 of the time) and by encoding the column on the host (~1/4); ${why}`,
    },
    {
      name: 'sandbox.per_message_call',
      unit: 'msg/s',
      value: naive.value,
      baseline: messages.length / plainSeconds,
      note: 'naive design: one callFunction per message, read_message a host callback (two crossings per message); baseline: plain JS',
    },
    {
      name: 'sandbox.idle_memory',
      unit: 'MiB',
      value: idle.growthMiB,
      baseline: idle.beforeMiB,
      target: 2048,
      note: `RSS growth of a child process after loading ${IDLE_PLUGINS} count-by-docType plugins (one Wasm instance each, ${idle.msPerPlugin.toFixed(1)} ms each); baseline: its RSS before`,
    },
  ];
}

/** One crossing per process_message call and one per read_message: what batching avoids. */
async function naivePerMessage(messages: Message[], expected: Record<string, number>): Promise<{ value: number }> {
  const { module } = await newPluginModule(8 * 1024 * 1024);
  const rt = module.newRuntime();
  const ctx = rt.newContext();
  let current: Message | undefined;
  const readMessage = ctx.newFunction('read_message', (nameH) => {
    const name = ctx.getString(nameH);
    const v = current && name === 'Fields[docType]' ? readField(current, 'docType') : undefined;
    return typeof v === 'string' ? ctx.newString(v) : ctx.undefined;
  });
  ctx.setProp(ctx.global, 'read_message', readMessage);
  readMessage.dispose();
  ctx.unwrapResult(ctx.evalCode(COUNT_BY_DOCTYPE, 'plugin.js')).dispose();
  const pm = ctx.getProp(ctx.global, 'process_message');
  const seconds = medianSeconds(() => {
    ctx.unwrapResult(ctx.evalCode('types = {}')).dispose();
    for (const m of messages) {
      current = m;
      ctx.unwrapResult(ctx.callFunction(pm, ctx.undefined)).dispose();
    }
  }, 3);
  const typesHandle = ctx.unwrapResult(ctx.evalCode('types'));
  const counts = ctx.dump(typesHandle) as Record<string, number>;
  typesHandle.dispose();
  if (JSON.stringify(Object.entries(counts).sort()) !== JSON.stringify(Object.entries(expected).sort())) {
    throw new Error('naive per-message counts differ from plain JS');
  }
  pm.dispose();
  ctx.dispose();
  rt.dispose();
  return { value: messages.length / seconds };
}

/** Spawn a clean child process that loads IDLE_PLUGINS plugins and reports its RSS. */
async function idleMemory(): Promise<{ growthMiB: number; beforeMiB: number; msPerPlugin: number }> {
  const self = fileURLToPath(import.meta.url);
  const root = join(dirname(self), '..', '..');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, CHILD_FLAG, String(IDLE_PLUGINS)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`idle-memory child exited with ${code}`))));
  });
  const line = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as { growthMiB: number; beforeMiB: number; msPerPlugin: number };
}

async function idleChild(count: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Load everything a plugin needs once (code, compiled Wasm) before the first measurement.
  const warm = await createPlugin({ owner: 'bench', name: 'warm', source: COUNT_BY_DOCTYPE, config: {} });
  warm.dispose();
  gc?.();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const plugins = [];
  for (let i = 0; i < count; i++) {
    const p = await createPlugin({ owner: 'bench', name: `idle${i}`, source: COUNT_BY_DOCTYPE, config: {} });
    if (p.terminated) throw new Error(p.terminated.error);
    plugins.push(p);
  }
  const ms = performance.now() - t0;
  gc?.();
  const after = process.memoryUsage().rss;
  const MiB = 1024 * 1024;
  process.stdout.write(
    JSON.stringify({ growthMiB: (after - before) / MiB, beforeMiB: before / MiB, msPerPlugin: ms / count, plugins: plugins.length }) + '\n',
  );
}

if (process.argv[2] === CHILD_FLAG) {
  await idleChild(Number(process.argv[3]) || IDLE_PLUGINS);
}
