/**
 * Messages between the engine (main thread) and an analysis worker thread.
 *
 * The engine sends control commands and batches through one port, so a
 * worker handles them strictly in the order sent: a plugin replaced between
 * two batches sees the first with its old version and the second with the
 * new one, which is what makes updates gap-free and duplicate-free.
 *
 * A batch covers the offset range [rangeStart, rangeEnd): the records present
 * (a record that failed to decode, or one retention removed, leaves a hole)
 * are packed into one buffer. A plugin processes the batch when its next
 * offset falls inside the range, and only the records at or after it.
 */
import type { Message } from '../message/message';
import type { PluginSpec } from './plugin-spec';
import type { PluginStats } from './plugin-stats';

export interface WorkerInit {
  /** The worker's module, for worker-loader.mjs. */
  entry: string;
  workerIndex: number;
  hostname: string;
  pid: number;
  /** Stats are reported this often. */
  statsIntervalMs: number;
  /** Shared Int32Array cells (worker-watch.ts) the worker writes what it is doing into, for its watchdog and crash blame. */
  watch: SharedArrayBuffer;
}

export interface AddCommand {
  t: 'add';
  id: string;
  /** Slot number the worker reports in `busy` while running this plugin. */
  slot: number;
  spec: PluginSpec;
  nextOffset: number;
  /** preserve_data state saved at the last clean stop. */
  state?: Uint8Array;
}

/** Stop a plugin cleanly: timer_event(ns, true), save its state, dispose it. */
export interface RemoveCommand {
  t: 'remove';
  id: string;
  /** Run timer_event(ns, true) and saveState (false when the plugin is being deleted without a final event). */
  clean: boolean;
}

/** Replace a plugin by a new version at exactly the old one's next offset. */
export interface ReplaceCommand {
  t: 'replace';
  id: string;
  slot: number;
  spec: PluginSpec;
  /** Carry the old version's preserve_data state into the new one. */
  keepState: boolean;
}

export interface BatchCommand {
  t: 'batch';
  seq: number;
  rangeStart: number;
  rangeEnd: number;
  /** Offsets of the packed records, ascending, within the range. */
  offsets: Float64Array;
  /** End position of each record in `data`. */
  ends: Uint32Array;
  data: Uint8Array;
  /** When the main thread sent it (performance.timeOrigin + now), for latency stats. */
  sentAt: number;
}

/** Records back to back in one buffer with each one's end in it, as a BatchCommand (or a Test Plugin run) carries them to a worker. */
export function packRecords(records: readonly Uint8Array[]): { data: Uint8Array<ArrayBuffer>; ends: Uint32Array<ArrayBuffer> } {
  let total = 0;
  for (const r of records) total += r.length;
  const data = new Uint8Array(total);
  const ends = new Uint32Array(records.length);
  let pos = 0;
  records.forEach((r, i) => {
    data.set(r, pos);
    pos += r.length;
    ends[i] = pos;
  });
  return { data, ends };
}

export interface StopCommand {
  t: 'shutdown';
}

export type WorkerCommand = AddCommand | RemoveCommand | ReplaceCommand | BatchCommand | StopCommand;

export interface OutputRecord {
  id: string;
  name: string;
  type: string;
  payload: string;
  at: number;
}

export interface InjectRecord {
  id: string;
  message: Message;
}

export interface TerminationRecord {
  id: string;
  error: string;
  line?: number;
  at: number;
  /** The offset to resume at if it is redeployed: the message that terminated it (or its next offset). */
  nextOffset: number;
  stats: PluginStats;
}

/** What one batch or tick produced, for the engine to apply in order. */
export interface Effects {
  outputs: OutputRecord[];
  injected: InjectRecord[];
  terminated: TerminationRecord[];
  /** print() lines of deployed plugins (the engine keeps the last few per plugin). */
  debug: { id: string; lines: string[] }[];
  /** process_message() calls that returned -1: the message's offset and the reason given. */
  failures: { id: string; offset: number; reason: string }[];
}

export interface BatchDone extends Effects {
  t: 'batch-done';
  seq: number;
  rangeEnd: number;
  /** Next offset of every plugin that took part in the batch (not terminated ones). */
  progress: [id: string, nextOffset: number][];
  /** Time the worker spent on the batch, ns. */
  busyNs: number;
}

export interface TickDone extends Effects {
  t: 'tick-done';
}

export interface AddDone {
  t: 'add-done';
  id: string;
  /** Set when the plugin could not start (bad matcher, code that does not load). */
  error?: string;
  line?: number;
  /** Output of loading the plugin (top-level code). */
  effects: Effects;
}

export interface RemoveDone {
  t: 'remove-done';
  id: string;
  /** -1 when the worker did not have the plugin. */
  nextOffset: number;
  state?: Uint8Array;
  stats?: PluginStats;
  /** Effects of the final timer_event (outputs, injected messages, or its termination). */
  effects: Effects;
}

export interface ReplaceDone {
  t: 'replace-done';
  id: string;
  /** The new version failed to load (see `running` for whether the old one still runs). */
  error?: string;
  /** Whether a version of the plugin is running afterwards. */
  running: boolean;
  line?: number;
  nextOffset: number;
  effects: Effects;
}

export interface StatsReport {
  t: 'stats';
  stats: [id: string, stats: PluginStats][];
}

export interface ShutdownDone {
  t: 'shutdown-done';
  plugins: { id: string; nextOffset: number; state?: Uint8Array; stats: PluginStats }[];
  effects: Effects;
}

/** Sent once at start: the worker's kernel thread id, for reading its CPU time (Linux). */
export interface ThreadIdentity {
  t: 'thread';
  tid: number;
}

export interface WorkerFailure {
  t: 'fatal';
  error: string;
}

/** Sent once the worker has loaded its modules and compiled QuickJS: it answers promptly from now on. */
export interface WorkerReady {
  t: 'ready';
}

export type WorkerReply =
  | BatchDone
  | TickDone
  | AddDone
  | RemoveDone
  | ReplaceDone
  | StatsReport
  | ShutdownDone
  | ThreadIdentity
  | WorkerFailure
  | WorkerReady;

export function emptyEffects(): Effects {
  return { outputs: [], injected: [], terminated: [], debug: [], failures: [] };
}
