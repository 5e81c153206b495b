/**
 * Foresight analysis plugin API: the JavaScript edition of Hindsight's
 * analysis plugin API (lua_sandbox). These are the globals a plugin sees; the
 * portal's editor loads this file for completion and hover help.
 *
 * A plugin is a classic script run once when it loads, in its own QuickJS
 * sandbox (no require/import, no network, files, timers or Promises). It
 * defines:
 *
 * ```js
 * var counts = {};                  // state: use `var` so preserve_data can save it
 *
 * // Called for every message the plugin's message_matcher matches.
 * function process_message() {
 *   const dt = read_message("Fields[docType]") ?? "unknown";
 *   counts[dt] = (counts[dt] || 0) + 1;
 *   return 0;                       // 0 (or nothing): success
 * }                                 // -1 or [-1, "why"]: a counted failure
 *                                   // a positive number, or an uncaught exception: the plugin is terminated
 *
 * // Called every ticker_interval seconds, and once with shutdown = true on a clean stop.
 * function timer_event(ns, shutdown) {
 *   add_to_payload(JSON.stringify(counts));
 *   inject_payload("json", "counts");
 * }
 * ```
 *
 * process_message() must return a number: returning a string, an object,
 * null or NaN terminates the plugin with "process_message() must return a
 * numeric status code". Both functions may also be declared with `const`.
 *
 * Limits (per call; the config keys set them): memory_limit (8 MiB heap),
 * cpu_limit_ms (500 ms per call; Hindsight's instruction_limit), output_limit
 * (64 KiB per payload), process_message_inject_limit (0 injections per
 * process_message call), timer_event_inject_limit (10 per timer_event call).
 * Exceeding one terminates the plugin, even if the error is caught.
 *
 * preserve_data: with config `preserve_data = true`, the global variables the
 * plugin creates (`var x`, `globalThis.x = ...`; not functions) are saved when
 * it stops cleanly and restored after its source runs on the next start.
 * Top-level `let`/`const` variables are not global properties and are not
 * saved. Numbers (NaN, Infinity, -0), strings, booleans, bigint, undefined,
 * null, arrays, plain objects, Map, Set, Date, RegExp, typed arrays and shared
 * or circular references survive; class instances come back as plain objects.
 */

/** A header name read_message() accepts. */
type HekaHeaderName =
  | 'Uuid'
  | 'Timestamp'
  | 'Type'
  | 'Logger'
  | 'Severity'
  | 'Payload'
  | 'EnvVersion'
  | 'Pid'
  | 'Hostname';

/** 0 STRING, 1 BYTES, 2 INTEGER, 3 DOUBLE, 4 BOOL. */
type HekaValueType = 0 | 1 | 2 | 3 | 4;

/** One element of a field's value: BYTES are Uint8Array, INTEGER and DOUBLE numbers. */
type HekaFieldValue = string | number | boolean | Uint8Array;

/** A field in the list form, as decode_message() returns it. */
interface HekaField {
  name: string;
  value_type: HekaValueType;
  /** Unit or representation hint such as "ms" or "B"; absent when empty. */
  representation?: string;
  value: HekaFieldValue[];
}

/** A message in the Heka list form, as decode_message() returns it. */
interface HekaMessage {
  /** 32 lower-case hex digits. */
  Uuid: string;
  /** Nanoseconds since the Unix epoch (a double, so beyond 2^53 ns it is rounded). */
  Timestamp: number;
  Type?: string;
  Logger?: string;
  Severity?: number;
  Payload?: string;
  EnvVersion?: string;
  Pid?: number;
  Hostname?: string;
  Fields: HekaField[];
}

/** A field in the list form when injecting; value_type is inferred when left out. */
interface HekaFieldInput {
  name: string;
  value_type?: HekaValueType | 'STRING' | 'BYTES' | 'INTEGER' | 'DOUBLE' | 'BOOL';
  representation?: string;
  value: HekaFieldValue | bigint | (HekaFieldValue | bigint)[];
}

/**
 * A message to inject. Logger is always set to `analysis.<owner>.<plugin>`;
 * Hostname, Pid and Timestamp are set by the host when left out; Uuid is
 * generated when left out.
 */
interface HekaMessageInput {
  /** 32 hex digits or the 8-4-4-4-12 form. */
  Uuid?: string;
  /** Nanoseconds since the epoch (number or bigint), or an RFC 3339 string. */
  Timestamp?: number | bigint | string;
  Type?: string;
  Severity?: number;
  Payload?: string;
  EnvVersion?: string;
  Pid?: number;
  Hostname?: string;
  /**
   * The list form, or the shorthand `{ name: value }`: strings are STRING,
   * booleans BOOL, Uint8Array BYTES, integers INTEGER, other numbers DOUBLE;
   * arrays give several values of one type.
   */
  Fields?: HekaFieldInput[] | Record<string, HekaFieldValue | bigint | (HekaFieldValue | bigint)[]>;
}

/**
 * Read from the message being processed. `undefined` when the header or
 * field is absent, and outside process_message() (there is no message then).
 *
 * @param name a header (`"Type"`, `"Timestamp"`, ...), `"Fields[name]"`
 *   (indexes may also be written in the name: `"Fields[name][1][0]"`), `"raw"`
 *   (the message's protobuf encoding), `"framed"` (the protobuf with
 *   Hindsight's stream framing) or `"size"` (the protobuf's length in bytes).
 * @param fi which field of that name, when several share it (0-based, default 0).
 * @param ai which element of the field's value array (0-based, default 0).
 * @returns Uuid as 32 hex digits, Timestamp in nanoseconds, Severity (7 when
 *   absent); field values as they are typed (BYTES as a new Uint8Array,
 *   INTEGER as a number, rounded beyond 2^53 as in Lua). An unknown name
 *   throws a TypeError.
 * @example
 * const docType = read_message("Fields[docType]") ?? "unknown";
 * const second = read_message("Fields[tags]", 0, 1);
 */
declare function read_message(name: 'Uuid' | 'Type' | 'Logger' | 'Payload' | 'EnvVersion' | 'Hostname'): string | undefined;
declare function read_message(name: 'Timestamp' | 'Severity' | 'size'): number | undefined;
declare function read_message(name: 'Pid'): number | undefined;
declare function read_message(name: 'raw' | 'framed'): Uint8Array | undefined;
declare function read_message(name: `Fields[${string}]`, fi?: number, ai?: number): HekaFieldValue | undefined;

/**
 * A value from the plugin's configuration: the keys the user set, plus
 * `Logger` (`analysis.<owner>.<plugin>`), `Hostname` and `Pid`.
 * `undefined` for a key that is not set.
 * @example
 * const threshold = read_config("threshold") ?? 10;
 */
declare function read_config(key: string): string | number | boolean | undefined;

/**
 * Append to the payload buffer that the next inject_payload() sends.
 * Strings, numbers, booleans and bigints are accepted (JSON.stringify objects
 * first). The buffer is per call and limited to output_limit bytes (64 KiB);
 * going over terminates the plugin with "output_limit exceeded".
 * @example
 * add_to_payload("docType\tcount\n");
 * for (const [k, v] of Object.entries(counts)) add_to_payload(k, "\t", v, "\n");
 */
declare function add_to_payload(...parts: (string | number | boolean | bigint)[]): void;

/**
 * Send the payload buffer (plus `parts`) as an output, published as
 * `analysis.<owner>.<plugin>.<name>.<type>`. Nothing is sent when the payload
 * is empty. Each output counts against the injection limit of the current
 * call (none allowed in process_message() by default, 10 in timer_event()).
 * @param type the payload type, e.g. "txt", "json", "tsv", "cbuf" (default "txt").
 * @param name the payload name (default "").
 * @example
 * inject_payload("json", "counts", JSON.stringify(counts));
 */
declare function inject_payload(type?: string, name?: string, ...parts: (string | number | boolean | bigint)[]): void;

/**
 * Inject a new message into the stream (it is checked and encoded as a Heka
 * protobuf, at most 64 KiB). Counts against the injection limit of the
 * current call. Throws "inject_message() failed: <what is wrong>" for an
 * invalid message.
 * @example
 * inject_message({ Type: "alert", Payload: "too many crashes", Fields: { count: n } });
 */
declare function inject_message(msg: HekaMessageInput): void;

/**
 * Decode a Heka protobuf, such as read_message("raw"), to the list form.
 * Throws "decode_message() failed: <why>" for bytes that are not a message.
 */
declare function decode_message(bytes: Uint8Array | ArrayBuffer): HekaMessage;

/**
 * Write a debug line (values separated by spaces, objects shown as
 * console.log shows them). Lines appear in the Test Plugin output and the
 * plugin's log; each call may print up to output_limit bytes.
 */
declare function print(...values: unknown[]): void;

/** console.log, .info, .warn, .error and .debug all do what print() does. */
interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  debug(...data: any[]): void;
}
declare var console: Console;
