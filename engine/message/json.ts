/**
 * Heka messages as JSON, for test messages typed in the portal, NDJSON inputs
 * and plugin output.
 *
 * Input accepts the list form `"Fields": [{"name", "value_type",
 * "representation", "value"}]` and the shorthand `"Fields": {"n": 3}`.
 * Choices, so users know what to expect:
 * - A missing (or null) Uuid becomes a random v4 UUID and a missing Timestamp
 *   the current time, as lua_sandbox does when a plugin injects a message.
 * - null for any other header means "absent".
 * - Unknown top-level keys are ignored, so JSON exported by other Heka tools
 *   with extra metadata still loads; but a key that is a header name in the
 *   wrong case ("hostname") is an error, because it is almost surely a typo
 *   that would otherwise vanish silently. Unknown keys in a list-form field
 *   are ignored likewise.
 *
 * Output (messageToJSON) is always the list form, and round-trips exactly:
 * Uuid as 32 hex digits; Timestamp and INTEGER values as numbers when they are
 * safe integers, else digit strings; BYTES as base64; non-finite and
 * negative-zero doubles as the strings "NaN", "Infinity", "-Infinity", "-0".
 */
import { decodeBase64, encodeBase64 } from './base64';
import { HEADER_NAMES, presentHeaders, uuidToHex } from './fields';
import {
  MAX_MESSAGE_SIZE,
  MessageError,
  ValueType,
  type Field,
  type FieldValue,
  type Message,
} from './message';
import { encodedSize } from './protobuf';
import { parseRfc3339 } from './time';
import { newUuid, parseUuid } from './uuid';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DIGITS = /^-?\d+$/;

const EXACT_KEYS = new Set<string>([...HEADER_NAMES, 'Fields']);
const HEADER_BY_LOWER_CASE = new Map<string, string>(
  [...HEADER_NAMES, 'Fields'].map((h) => [h.toLowerCase(), h]),
);

const VALUE_TYPE_BY_NAME: Record<string, ValueType> = {
  STRING: ValueType.STRING,
  BYTES: ValueType.BYTES,
  INTEGER: ValueType.INTEGER,
  DOUBLE: ValueType.DOUBLE,
  BOOL: ValueType.BOOL,
};

/** A Message from parsed Heka JSON; throws MessageError with the path of the first problem. */
export function messageFromJSON(json: unknown): Message {
  if (!isPlainObject(json)) throw new MessageError(`expected a JSON object, got ${describe(json)}`);
  const o = json as Record<string, unknown>;
  for (const key in o) {
    if (EXACT_KEYS.has(key)) continue;
    const header = HEADER_BY_LOWER_CASE.get(key.toLowerCase());
    if (header !== undefined && header !== key) {
      throw new MessageError(`unknown key; headers are case-sensitive, did you mean "${header}"?`, key);
    }
  }
  const m: Message = {
    uuid: readUuid(o.Uuid),
    timestamp: readTimestamp(o.Timestamp),
    fields: [],
  };
  const type = optionalString(o.Type, 'Type');
  if (type !== undefined) m.type = type;
  const logger = optionalString(o.Logger, 'Logger');
  if (logger !== undefined) m.logger = logger;
  const severity = optionalInteger(o.Severity, 'Severity');
  if (severity !== undefined) m.severity = severity;
  const payload = optionalString(o.Payload, 'Payload');
  if (payload !== undefined) m.payload = payload;
  const envVersion = optionalString(o.EnvVersion, 'EnvVersion');
  if (envVersion !== undefined) m.envVersion = envVersion;
  const pid = optionalInteger(o.Pid, 'Pid');
  if (pid !== undefined) m.pid = pid;
  const hostname = optionalString(o.Hostname, 'Hostname');
  if (hostname !== undefined) m.hostname = hostname;

  const fields = o.Fields;
  if (Array.isArray(fields)) {
    for (let i = 0; i < fields.length; i++) m.fields.push(listField(fields[i], i));
  } else if (isPlainObject(fields)) {
    const f = fields as Record<string, unknown>;
    for (const name in f) m.fields.push(shorthandField(name, f[name]));
  } else if (fields !== undefined && fields !== null) {
    throw new MessageError(`expected an array of fields or an object of name: value, got ${describe(fields)}`, 'Fields');
  }

  const size = encodedSize(m);
  if (size > MAX_MESSAGE_SIZE) {
    throw new MessageError(`message encodes to ${size} bytes, more than the ${MAX_MESSAGE_SIZE} byte maximum`);
  }
  return m;
}

/**
 * A Message from one JSON text (e.g. an NDJSON line). Unlike JSON.parse +
 * messageFromJSON, a Timestamp written as a bare integer beyond 2^53 keeps
 * its exact digits, and an object with no header or Fields key at all (only
 * unknown keys, or none) is an error naming its keys: as a line of input it
 * is a mistake (`{"Typo":"x"}`), not an empty message.
 */
export function parseMessageJSON(text: string): Message {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MessageError(`invalid JSON: ${(err as Error).message}`);
  }
  const m = messageFromJSON(json);
  requireHekaKey(json as Record<string, unknown>);
  const ts = (json as { Timestamp?: unknown }).Timestamp;
  if (typeof ts === 'number' && !Number.isSafeInteger(ts)) {
    const exact = exactTimestampDigits(text, ts);
    if (exact !== undefined) m.timestamp = exact;
  }
  return m;
}

const SHOWN_KEYS = 10;

/** Throw unless the object has a header or Fields key (its value may be null). */
function requireHekaKey(o: Record<string, unknown>): void {
  const unknown: string[] = [];
  for (const key in o) {
    if (EXACT_KEYS.has(key)) return;
    unknown.push(key);
  }
  if (unknown.length === 0) throw new MessageError('the object is empty: a message needs at least one header or Fields');
  const shown = unknown.slice(0, SHOWN_KEYS).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k));
  const more = unknown.length > SHOWN_KEYS ? ` and ${unknown.length - SHOWN_KEYS} more` : '';
  throw new MessageError(
    `no Heka header or Fields, only unknown key${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}${more} ` +
      `(headers are Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname)`,
  );
}

// `"Timestamp"` with an unescaped closing quote can only be a key, so the one
// match (if there is exactly one) is the header unless a shorthand field has
// the same name; the value check below rules out picking that field's digits
// in all but the case where both hold the same number.
const TIMESTAMP_LITERAL = /"Timestamp"\s*:\s*(-?\d+)(?=\s*[,}])/g;

function exactTimestampDigits(text: string, parsed: number): bigint | undefined {
  let found: string | undefined;
  for (const match of text.matchAll(TIMESTAMP_LITERAL)) {
    if (found !== undefined) return undefined; // ambiguous: keep the parsed number
    found = match[1];
  }
  if (found === undefined) return undefined;
  const exact = BigInt(found);
  return Number(exact) === parsed && exact >= INT64_MIN && exact <= INT64_MAX ? exact : undefined;
}

/** The list form of a message, ready for JSON.stringify; see the module comment for the encoding of each type. */
export function messageToJSON(m: Message): Record<string, unknown> {
  const o: Record<string, unknown> = {
    Uuid: uuidToHex(m.uuid),
    Timestamp: integerToJSON(m.timestamp),
    ...presentHeaders(m),
  };
  o.Fields = m.fields.map(fieldToJSON);
  return o;
}

function fieldToJSON(f: Field): Record<string, unknown> {
  const o: Record<string, unknown> = { name: f.name, value_type: f.valueType };
  if (f.representation) o.representation = f.representation;
  switch (f.valueType) {
    case ValueType.BYTES:
      o.value = f.value.map((v) => encodeBase64(v as Uint8Array));
      break;
    case ValueType.INTEGER:
      o.value = f.value.map((v) => integerToJSON(v as number | bigint));
      break;
    case ValueType.DOUBLE:
      o.value = f.value.map((v) => doubleToJSON(v as number));
      break;
    default:
      o.value = f.value.slice();
  }
  return o;
}

function integerToJSON(v: number | bigint): number | string {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : BigInt(v).toString();
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function doubleToJSON(v: number): number | string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

// ---------------------------------------------------------------- headers

function readUuid(v: unknown): Uint8Array {
  if (v === undefined || v === null) return newUuid();
  if (v instanceof Uint8Array) {
    if (v.length !== 16) throw new MessageError(`expected 16 bytes, got ${v.length}`, 'Uuid');
    return v.slice();
  }
  if (typeof v !== 'string') throw new MessageError(`expected a string, got ${describe(v)}`, 'Uuid');
  const u = parseUuid(v);
  if (!u) {
    throw new MessageError(
      `expected 32 hex digits or the 36-character 8-4-4-4-12 form, got ${quote(v)}`,
      'Uuid',
    );
  }
  return u;
}

function readTimestamp(v: unknown): bigint {
  if (v === undefined || v === null) return BigInt(Date.now()) * 1_000_000n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new MessageError(`expected integer nanoseconds, got ${v}`, 'Timestamp');
    return checkInt64(BigInt(v), 'Timestamp');
  }
  if (typeof v === 'bigint') return checkInt64(v, 'Timestamp');
  if (typeof v === 'string') {
    if (DIGITS.test(v)) return checkInt64(BigInt(v), 'Timestamp');
    const ns = parseRfc3339(v);
    if (ns === undefined) {
      throw new MessageError(
        `expected integer nanoseconds or an RFC 3339 time such as "2024-05-01T12:00:00Z", got ${quote(v)}`,
        'Timestamp',
      );
    }
    return checkInt64(ns, 'Timestamp');
  }
  throw new MessageError(`expected a number or a string, got ${describe(v)}`, 'Timestamp');
}

function optionalString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  return checkString(v, path);
}

function checkString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw err(`expected a string, got ${describe(v)}`, path);
  if (!(v as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw err('contains a lone surrogate, which has no UTF-8 encoding', path);
  }
  return v;
}

function optionalInteger(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new MessageError(`expected an integer, got ${describe(v)}`, path);
  }
  return v;
}

// ---------------------------------------------------------------- fields

// Where we are in Fields, for error paths. Paths are built only when an error
// is thrown (as P_ codes resolved by err()), not per value: that would cost
// more than the conversion itself.
let fieldIndex = 0;
let fieldName = '';
let valueIndex = 0;
let valueIsArray = false;
const P_LIST_FIELD = '\0list.field';
const P_LIST_NAME = '\0list.name';
const P_LIST = '\0list';
const P_LIST_REPRESENTATION = '\0list.representation';
const P_LIST_VALUE_TYPE = '\0list.value_type';
const P_LIST_VALUES = '\0list.values';
const P_LIST_VALUE = '\0list.value';
const P_SHORT = '\0short';
const P_SHORT_VALUE = '\0short.value';

function resolvePath(path: string): string {
  if (path.charCodeAt(0) !== 0) return path;
  const listed = `Fields[${fieldIndex}] '${fieldName}'`;
  switch (path) {
    case P_LIST_FIELD:
      return `Fields[${fieldIndex}]`;
    case P_LIST_NAME:
      return `Fields[${fieldIndex}].name`;
    case P_LIST:
      return listed;
    case P_LIST_REPRESENTATION:
      return `${listed}.representation`;
    case P_LIST_VALUE_TYPE:
      return `${listed}.value_type`;
    case P_LIST_VALUES:
      return `${listed}.value`;
    case P_LIST_VALUE:
      return valueIsArray ? `${listed}.value[${valueIndex}]` : `${listed}.value`;
    case P_SHORT:
      return `Fields.${fieldName}`;
    default: // P_SHORT_VALUE
      return valueIsArray ? `Fields.${fieldName}[${valueIndex}]` : `Fields.${fieldName}`;
  }
}

/** A MessageError at `path` (a plain path or a P_ code). */
function err(message: string, path: string): MessageError {
  return new MessageError(message, resolvePath(path));
}

function listField(entry: unknown, i: number): Field {
  fieldIndex = i;
  if (!isPlainObject(entry)) {
    throw err(`expected an object with name, value_type and value, got ${describe(entry)}`, P_LIST_FIELD);
  }
  const e = entry as Record<string, unknown>;
  const name = checkString(e.name, P_LIST_NAME);
  fieldName = name;
  const representation = optionalString(e.representation, P_LIST_REPRESENTATION) ?? '';
  const raw = e.value;
  if (raw === undefined || raw === null) throw err('has no value', P_LIST);
  valueIsArray = Array.isArray(raw);
  const values = valueIsArray ? (raw as unknown[]) : [raw];
  if (values.length === 0) throw err('value is an empty array', P_LIST);

  const vt = e.value_type;
  let valueType: ValueType;
  if (vt === undefined || vt === null) {
    valueType = inferType(values, P_LIST_VALUES, P_LIST_VALUE);
  } else if (typeof vt === 'number' && (vt === 0 || vt === 1 || vt === 2 || vt === 3 || vt === 4)) {
    valueType = vt;
  } else if (typeof vt === 'string' && VALUE_TYPE_BY_NAME[vt.toUpperCase()] !== undefined) {
    valueType = VALUE_TYPE_BY_NAME[vt.toUpperCase()];
  } else {
    throw err(`expected 0-4 or STRING, BYTES, INTEGER, DOUBLE, BOOL, got ${describe(vt)}`, P_LIST_VALUE_TYPE);
  }
  const value: FieldValue[] = new Array(values.length);
  for (let j = 0; j < values.length; j++) {
    valueIndex = j;
    value[j] = convertValue(values[j], valueType, P_LIST_VALUE);
  }
  return { name, valueType, representation, value };
}

function shorthandField(name: string, raw: unknown): Field {
  checkString(name, 'Fields');
  fieldName = name;
  if (raw === null || (typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Uint8Array))) {
    throw err(`expected a string, number, boolean or array, got ${describe(raw)}`, P_SHORT);
  }
  valueIsArray = Array.isArray(raw);
  const values = valueIsArray ? (raw as unknown[]) : [raw];
  if (values.length === 0) throw err('empty arrays have no value type; give at least one element', P_SHORT);
  const valueType = inferType(values, P_SHORT, P_SHORT_VALUE);
  const value: FieldValue[] = new Array(values.length);
  for (let j = 0; j < values.length; j++) {
    valueIndex = j;
    value[j] = convertValue(values[j], valueType, P_SHORT_VALUE);
  }
  return { name, valueType, representation: '', value };
}

/**
 * The value type the shorthand implies: strings STRING, booleans BOOL, byte
 * arrays BYTES, bigints INTEGER; numbers INTEGER when every one is an integer
 * within int64, else DOUBLE. Mixed kinds are an error.
 */
function inferType(values: unknown[], path: string, elementPath: string): ValueType {
  let kind: string | undefined;
  let allIntegers = true;
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    const k = v instanceof Uint8Array ? 'bytes' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    if (k !== 'string' && k !== 'number' && k !== 'boolean' && k !== 'bigint' && k !== 'bytes') {
      valueIndex = j;
      throw err(`expected a string, number, boolean or array, got ${describe(v)}`, elementPath);
    }
    const kk = k === 'bigint' ? 'number' : k;
    if (kind === undefined) kind = kk;
    else if (kind !== kk) throw err(`array mixes ${kind} and ${kk} elements`, path);
    if (k === 'number' && !isInt64Number(v as number)) allIntegers = false;
  }
  switch (kind) {
    case 'string':
      return ValueType.STRING;
    case 'boolean':
      return ValueType.BOOL;
    case 'bytes':
      return ValueType.BYTES;
    default:
      return allIntegers ? ValueType.INTEGER : ValueType.DOUBLE;
  }
}

function isInt64Number(v: number): boolean {
  return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808;
}

function convertValue(v: unknown, valueType: ValueType, path: string): FieldValue {
  switch (valueType) {
    case ValueType.STRING:
      return checkString(v, path);
    case ValueType.BYTES:
      if (v instanceof Uint8Array) return v.slice();
      if (typeof v === 'string') {
        const b = decodeBase64(v);
        if (b) return b;
        throw err(`BYTES values are base64 strings; ${quote(v)} is not valid base64`, path);
      }
      throw err(`expected a base64 string, got ${describe(v)}`, path);
    case ValueType.INTEGER:
      return toInteger(v, path);
    case ValueType.DOUBLE:
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string') {
        if (v === 'NaN') return NaN;
        if (v === 'Infinity') return Infinity;
        if (v === '-Infinity') return -Infinity;
        if (v === '-0') return -0;
      }
      throw err(`expected a number (or "NaN", "Infinity", "-Infinity"), got ${describe(v)}`, path);
    case ValueType.BOOL:
      if (typeof v === 'boolean') return v;
      throw err(`expected true or false, got ${describe(v)}`, path);
  }
}

/** INTEGER values: numbers when safe integers, bigints beyond (int64 range); digit strings accepted. */
function toInteger(v: unknown, path: string): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (!Number.isInteger(v)) throw err(`expected an integer, got ${v}`, path);
    return checkInt64(BigInt(v), path);
  }
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'string' && DIGITS.test(v)) b = BigInt(v);
  else throw err(`expected an integer (a number or a string of digits), got ${describe(v)}`, path);
  checkInt64(b, path);
  return b >= -BigInt(Number.MAX_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function checkInt64(v: bigint, path: string): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw err(`${v} is outside the int64 range`, path);
  return v;
}

// ---------------------------------------------------------------- helpers

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '...' : s);
}
