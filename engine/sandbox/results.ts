/** What running plugin code produces: outputs, injected messages, debug lines, failures, termination. */
import type { Message } from '../message/message';

/** One inject_payload(): published as `analysis.<owner>.<plugin>.<name>.<type>` (the topic). */
export interface PluginOutput {
  name: string;
  type: string;
  payload: string;
  /** `<logger>.<name>.<type>`, where logger is `analysis.<owner>.<plugin>`. */
  topic: string;
  /** Index in the batch of the message whose process_message() emitted it; undefined from timer_event() or load. */
  index?: number;
}

/** Everything one call (timer_event, or loading the plugin) produced. */
export interface CallResult {
  outputs: PluginOutput[];
  injected: Message[];
  /** print() / console.log() lines, in order. */
  debug: string[];
  /** Set when this call terminated the plugin; nothing more will run. */
  terminated?: { error: string };
}

/**
 * The result of processMessages(): messages are run one by one in order, so
 * everything produced before a termination is kept and the messages after it
 * were not seen by this plugin.
 */
export interface BatchResult {
  /** Messages whose process_message() returned (successfully or with a counted failure). */
  processed: number;
  /** process_message() returned -1 (or [-1, "why"]) for these batch indexes. */
  failures: { index: number; reason: string }[];
  outputs: PluginOutput[];
  injected: Message[];
  debug: string[];
  /** Batch index of the message whose call terminated the plugin (or 0 if it was already terminated). */
  terminated?: { index: number; error: string };
}

export interface PluginStats {
  /** process_message() calls that returned (including counted failures), as Hindsight's pm_cnt. */
  processed: number;
  failures: number;
  /** QuickJS heap in use, measured now. */
  memoryBytes: number;
  /** Largest heap seen; sampled after timer events and about once a second while processing. */
  maxMemoryBytes: number;
  /** Size of the plugin's Wasm memory (the high-water mark of its heap, never above the cap). */
  wasmMemoryBytes: number;
  /** Largest payload emitted by inject_payload() or buffered by add_to_payload(). */
  maxOutputBytes: number;
  injectedMessages: number;
  injectedPayloads: number;
  timerEvents: number;
  /** Wall time spent in processMessages() (host work included), in nanoseconds. */
  processNsTotal: number;
  /** Wall time spent in timerEvent(), in nanoseconds. */
  timerNsTotal: number;
  /** read_message() keys the plugin reads and the host now sends as columns. */
  learnedKeys: string[];
}

export function emptyCallResult(): CallResult {
  return { outputs: [], injected: [], debug: [] };
}

export function emptyBatchResult(): BatchResult {
  return { processed: 0, failures: [], outputs: [], injected: [], debug: [] };
}
