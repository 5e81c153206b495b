/**
 * Helpers shared by the runtime's tests, the crash-test child and the
 * pipeline benchmark: numbered messages, a plugin that checks it sees them
 * in order without gaps or duplicates, and polling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, sampleMessage } from '../inputs/sample-messages';
import { ValueType, type Message } from '../message/message';

/** Sample messages carrying Fields[seq] = start, start + 1, ... */
export function seqMessages(start: number, count: number, seed = 5): Message[] {
  const rng = createRng(seed + start);
  const out: Message[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const m = sampleMessage(rng, start + i);
    m.fields.push({ name: 'seq', valueType: ValueType.INTEGER, representation: '', value: [start + i] });
    out[i] = m;
  }
  return out;
}

/**
 * A plugin that follows Fields[seq]: first and next seq seen, how many
 * messages, and how many arrived out of order (dups: seq below the next
 * expected; gaps: seqs skipped). Its timer_event publishes that as JSON under
 * the output name read_config('out') (default "check").
 */
export const SEQ_CHECKER = `
var first = -1, next = -1, count = 0, dups = 0, gaps = 0;
function process_message() {
  var seq = read_message('Fields[seq]');
  if (typeof seq !== 'number') return 0;
  if (first < 0) first = seq;
  if (next >= 0 && seq < next) dups++;
  else if (next >= 0 && seq > next) gaps += seq - next;
  if (seq + 1 > next) next = seq + 1;
  count++;
  return 0;
}
function timer_event(ns, shutdown) {
  inject_payload('json', read_config('out') || 'check',
    JSON.stringify({ first: first, next: next, count: count, dups: dups, gaps: gaps, shutdown: shutdown }));
}
`;

export interface SeqCheck {
  first: number;
  next: number;
  count: number;
  dups: number;
  gaps: number;
  shutdown: boolean;
}

export function tempDataDir(prefix = 'fs-engine-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
