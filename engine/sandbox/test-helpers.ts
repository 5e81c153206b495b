/** Shared by the sandbox tests: building plugins and messages tersely. */
import { ValueType, type Field, type Message } from '../message/message';
import { createPlugin, type PluginSandbox, type PluginSpec } from './plugin-sandbox';
import { decodeTree } from './tagged-value';

export const FIXED_HOST = { hostname: 'test-host', pid: 4242, now: () => 1_800_000_000_000_000_000n };

let seq = 0;
export function plugin(source: string, spec: Partial<PluginSpec> = {}): Promise<PluginSandbox> {
  return createPlugin({
    owner: 'tester',
    name: `p${++seq}`,
    source,
    config: {},
    host: FIXED_HOST,
    ...spec,
  });
}

export function message(fields: Field[] = [], headers: Partial<Message> = {}): Message {
  return { uuid: new Uint8Array(16).fill(7), timestamp: 1_000_000_000n, fields, ...headers };
}

export function stringField(name: string, ...value: string[]): Field {
  return { name, valueType: ValueType.STRING, representation: '', value };
}

/** The globals of a saveState() text, decoded. */
export function stateGlobals(state: string): Record<string, unknown> {
  const parsed = JSON.parse(state) as { v: number; g: unknown[] };
  // Object ids run across all globals, so decode the values as one array.
  const values = parsed.g.filter((_, j) => j % 2 === 1);
  const decoded = decodeTree(['A', -1, ...values]) as unknown[];
  const out: Record<string, unknown> = {};
  for (let j = 0; j < parsed.g.length; j += 2) out[parsed.g[j] as string] = decoded[j / 2];
  return out;
}

export const COUNTER = `
var counts = {};
function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  counts[dt] = (counts[dt] || 0) + 1;
  return 0;
}
function timer_event(ns) {
  add_to_payload(JSON.stringify(counts));
  inject_payload("json", "counts");
}
`;

/** What COUNTER should report for `messages`. */
export function expectedCounts(messages: readonly Message[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) {
    const dt = (m.fields.find((f) => f.name === 'docType')?.value[0] as string | undefined) ?? 'unknown';
    counts[dt] = (counts[dt] || 0) + 1;
  }
  return counts;
}
