/**
 * Termination messages in Hindsight's shape, with the plugin's line number:
 *
 *   process_message() plugin.js:12: ReferenceError: 'x' is not defined
 *   process_message() plugin.js:7: cpu_limit_ms exceeded
 *   process_message() plugin.js:3: memory_limit exceeded
 *   timer_event() plugin.js:9: output_limit exceeded
 *   timer_event() plugin.js:9: inject_message() failed: injection limit exceeded (timer_event_inject_limit 10)
 *   plugin.js:4:17: SyntaxError: unexpected token in expression: ')'   (loading)
 *   plugin.js: cpu_limit_ms exceeded                                    (loading, top-level code)
 *
 * A limit is named by the configuration key that sets it. Hindsight says
 * `instruction_limit exceeded` and `not enough memory`; here the per-call
 * limit is CPU time (`cpu_limit_ms`) and the memory one `memory_limit`.
 */

/** Which plugin call was running: the prefix of its messages. Loading has none. */
export type CallName = 'process_message' | 'timer_event' | 'load' | 'save' | 'restore';

/** Longest termination message kept (lua_sandbox truncates at 255; ours carry more context). */
export const MAX_ERROR_LENGTH = 1000;

/** An error as the driver's describe() reports it. */
export interface ErrorDescription {
  name: string;
  message: string;
  stack: string;
  isError: boolean;
  /** The thrown value rendered for display. */
  shown: string;
}

export function parseDescription(json: string): ErrorDescription {
  const [name, message, stack, isError, shown] = JSON.parse(json) as [string, string, string, boolean, string];
  return { name, message, stack, isError, shown };
}

/** `file:line` (or `file:line:col` with `withColumn`) of the innermost stack frame in the plugin's file. */
export function pluginLocation(stack: string, filename: string, withColumn = false): string | undefined {
  for (const line of stack.split('\n')) {
    const m = /\((.*):(\d+):(\d+)\)\s*$/.exec(line) ?? /^\s*at (.*):(\d+):(\d+)\s*$/.exec(line);
    if (m && m[1] === filename) return withColumn ? `${m[1]}:${m[2]}:${m[3]}` : `${m[1]}:${m[2]}`;
  }
  return undefined;
}

/** What a termination by each limit says (after the call and location). */
export const CPU_LIMIT_EXCEEDED = 'cpu_limit_ms exceeded';
export const MEMORY_LIMIT_EXCEEDED = 'memory_limit exceeded';
export const OUTPUT_LIMIT_EXCEEDED = 'output_limit exceeded';

/**
 * Where a plugin was when a limit stopped it, from the stack of QuickJS's
 * "interrupted" error (or any error raised at that moment): the innermost
 * frame in the plugin's file, as `file:line`.
 *
 * A frame below the top gives the line of the call in progress. The top
 * frame (the code that was looping) gives the last position QuickJS recorded
 * in it, which for a tight loop may be where its function starts: still the
 * function to look at. For top-level code that is line 1 whatever runs, so
 * top-level code gives no location.
 */
export function limitLocation(stack: string, filename: string): string | undefined {
  const frames = stack.split('\n').filter((line) => /^\s*at /.test(line));
  for (let k = 0; k < frames.length; k++) {
    const m = /^\s*at (.*) \((.*):(\d+):(\d+)\)\s*$/.exec(frames[k]);
    if (!m || m[2] !== filename) continue;
    if (k === 0 && m[1] === '<eval>') return undefined;
    return `${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** "process_message() " for calls, "" while loading. */
export function callPrefix(call: CallName): string {
  return call === 'load' ? '' : `${call}() `;
}

/**
 * `<call>() <file>:<line>: <what>`, the location left out when unknown;
 * while loading, `<file>:<line>: <what>` (or `<file>: <what>`).
 */
export function formatAt(call: CallName, location: string | undefined, what: string, filename: string): string {
  if (call === 'load') return clip(`${location ?? filename}: ${what}`);
  return clip(`${callPrefix(call)}${location ? `${location}: ` : ''}${what}`);
}

export function isOutOfMemory(d: Pick<ErrorDescription, 'name' | 'message'>): boolean {
  return d.name === 'InternalError' && d.message === 'out of memory';
}

/** The termination message for an uncaught exception described by the driver. */
export function formatException(call: CallName, d: ErrorDescription, filename: string): string {
  if (isOutOfMemory(d)) return formatAt(call, limitLocation(d.stack, filename), MEMORY_LIMIT_EXCEEDED, filename);
  const location = pluginLocation(d.stack, filename, d.name === 'SyntaxError');
  if (d.isError || d.name !== '' || d.message !== '') {
    const what = d.name && d.message ? `${d.name}: ${d.message}` : d.name || d.message || d.shown;
    return formatAt(call, location, what, filename);
  }
  // A thrown non-Error has no stack, so no line number.
  return formatAt(call, undefined, `uncaught exception: ${d.shown} (throw an Error to get a line number)`, filename);
}

export function clip(s: string): string {
  return s.length > MAX_ERROR_LENGTH ? s.slice(0, MAX_ERROR_LENGTH - 3) + '...' : s;
}
