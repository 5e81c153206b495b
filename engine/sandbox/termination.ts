/**
 * Termination messages in Hindsight's shape, with the plugin's line number:
 *
 *   process_message() plugin.js:12: ReferenceError: 'x' is not defined
 *   process_message() instruction_limit exceeded
 *   process_message() not enough memory
 *   timer_event() plugin.js:9: inject_message() failed: injection limit exceeded
 *   plugin.js:4:17: SyntaxError: unexpected token in expression: ')'   (loading)
 *   plugin.js: instruction_limit exceeded                               (loading)
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
  if (isOutOfMemory(d)) return formatAt(call, undefined, 'not enough memory', filename);
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
