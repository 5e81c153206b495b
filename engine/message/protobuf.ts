/**
 * Heka's message protobuf, encoded the way lua_sandbox encodes it (heka/message.c,
 * heka_encode_message_table) so that re-encoding a message Hindsight wrote gives
 * the same bytes:
 * - headers in tag order; Severity and Pid only when present;
 * - a field is name, value_type (omitted for STRING, the default),
 *   representation (when not empty), then its values: strings and bytes as
 *   repeated entries, one number or bool as a single unpacked entry, several as
 *   one packed entry.
 * The decoder also accepts what other Heka writers produce (Go Heka writes
 * value_type 0 explicitly, packed or unpacked numbers) and skips unknown tags.
 *
 * Hand-written for speed: the decoder keeps its cursor in module variables
 * (both functions are synchronous and never re-entered) and the encoder writes
 * into one scratch buffer the size of the largest allowed message.
 */
import {
  MAX_MESSAGE_SIZE,
  MessageError,
  VALUE_TYPE_NAMES,
  ValueType,
  type Field,
  type FieldValue,
  type Message,
} from './message';
import { asciiSlice as importedAsciiSlice, cachedAsciiString as importedCachedAsciiString, nodeBuffer, STRING_CACHE_MAX_LENGTH, utf8Decoder } from './string-cache';

const UUID_SIZE = 16;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

// Imported bindings can compile to getter calls (tsx, CommonJS interop); the
// decoder's hot paths read these module-local copies instead.
const MAX_SIZE = MAX_MESSAGE_SIZE;
const T_STRING: ValueType = ValueType.STRING;
const T_BYTES: ValueType = ValueType.BYTES;
const T_INTEGER: ValueType = ValueType.INTEGER;
const T_DOUBLE: ValueType = ValueType.DOUBLE;
const T_BOOL: ValueType = ValueType.BOOL;

const cachedAsciiString = importedCachedAsciiString;
const asciiSlice = importedAsciiSlice;

const utf8Encoder = new TextEncoder();
// utf8Slice replaces every invalid sequence with U+FFFD, as the WHATWG decoder
// does: a result without one is exactly what the fatal TextDecoder returns.
const utf8Slice = nodeBuffer?.prototype.utf8Slice;

// ---------------------------------------------------------------- decoding

let buf: Uint8Array = new Uint8Array(0);
let pos = 0;
// Eight scratch bytes for assembling int64 and double values without a
// DataView over each message.
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);
// The last varint read, as two unsigned 32-bit halves.
let lo = 0;
let hi = 0;

/**
 * Decode one Heka message protobuf. Strings are checked to be valid UTF-8;
 * Uuid and BYTES values are copies, so `bytes` may be reused afterwards.
 * Throws MessageError naming the header or field and the byte offset.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length > MAX_SIZE) {
    throw new MessageError(`message is ${bytes.length} bytes, more than the ${MAX_SIZE} byte maximum`);
  }
  buf = bytes;
  pos = 0;
  try {
    return readMessage(bytes.length);
  } finally {
    buf = EMPTY; // do not keep the caller's buffer alive
  }
}

const EMPTY = new Uint8Array(0);

// Headers 3..9 in tag order, one 4-bit tag per arrival (first arrival only):
// the order in which decodeMessage adds them to the Message.
const ALL_HEADERS = 0x3f8; // bits 3..9
const TAG_ORDER = 0x9876543; // 3, 4, ..., 9 from the lowest nibble up

function readMessage(end: number): Message {
  let uuid: Uint8Array | undefined;
  let timestamp: bigint | undefined;
  let type: string | undefined;
  let logger: string | undefined;
  let severity: number | undefined;
  let payload: string | undefined;
  let envVersion: string | undefined;
  let pid: number | undefined;
  let hostname: string | undefined;
  let seen = 0; // bit t set once header tag t arrived
  let order = 0;
  let shift = 0;
  const fields: Field[] = [];
  while (pos < end) {
    const keyAt = pos;
    let key = buf[pos]; // pos < end, so in bounds
    if (key < 0x80) pos++; // one-byte keys: every tag this decoder knows
    else {
      readVarint(end, '');
      if (hi !== 0) fail(`invalid key at byte ${keyAt}`);
      key = lo;
    }
    const tag = key >>> 3;
    const wire = key & 7;
    if (tag >= 3 && tag <= 9 && (seen & (1 << tag)) === 0) {
      seen |= 1 << tag;
      order |= tag << shift;
      shift += 4;
    }
    switch (tag) {
      case 1: {
        const len = readLength(end, wire, 'Uuid', keyAt);
        if (len !== UUID_SIZE) fail(`Uuid must be ${UUID_SIZE} bytes, got ${len} at byte ${keyAt}`);
        uuid = copyBytes(buf, pos, pos + len);
        pos += len;
        break;
      }
      case 2:
        expectWire(wire, WIRE_VARINT, 'Timestamp', keyAt);
        readVarint(end, 'Timestamp');
        timestamp = int64BigInt();
        break;
      case 3:
        type = readStringField(end, wire, 'Type', keyAt);
        break;
      case 4:
        logger = readStringField(end, wire, 'Logger', keyAt);
        break;
      case 5:
        expectWire(wire, WIRE_VARINT, 'Severity', keyAt);
        readVarint(end, 'Severity');
        severity = Number(int64Value());
        break;
      case 6:
        payload = readStringField(end, wire, 'Payload', keyAt);
        break;
      case 7:
        envVersion = readStringField(end, wire, 'EnvVersion', keyAt);
        break;
      case 8:
        expectWire(wire, WIRE_VARINT, 'Pid', keyAt);
        readVarint(end, 'Pid');
        pid = Number(int64Value());
        break;
      case 9:
        hostname = readStringField(end, wire, 'Hostname', keyAt);
        break;
      case 10: {
        fieldIndex = fields.length;
        fieldName = undefined;
        const len = readLength(end, wire, F_KEY, keyAt);
        fields.push(readField(pos + len, fieldIndex));
        break;
      }
      default:
        skipUnknown(end, wire, tag, keyAt);
    }
  }
  if (uuid === undefined) fail('missing Uuid');
  if (timestamp === undefined) fail('missing Timestamp');
  // Every header, in tag order (how lua_sandbox writes them): one literal, one shape.
  if (seen === ALL_HEADERS && order === TAG_ORDER) {
    return { uuid, timestamp, fields, type, logger, severity, payload, envVersion, pid, hostname };
  }
  // Otherwise only the headers present, in the order they first arrived.
  const m: Message = { uuid, timestamp, fields };
  for (; order !== 0; order >>>= 4) {
    switch (order & 15) {
      case 3:
        m.type = type;
        break;
      case 4:
        m.logger = logger;
        break;
      case 5:
        m.severity = severity;
        break;
      case 6:
        m.payload = payload;
        break;
      case 7:
        m.envVersion = envVersion;
        break;
      case 8:
        m.pid = pid;
        break;
      case 9:
        m.hostname = hostname;
        break;
    }
  }
  return m;
}

// Which value tag (4..8) carries each value type.
const VALUE_TAG_TYPE: readonly ValueType[] = [-1, -1, -1, -1, T_STRING, T_BYTES, T_INTEGER, T_DOUBLE, T_BOOL] as ValueType[];

// Where the decoder is inside a field, for error paths. Paths are built only
// when an error is thrown: building them per value would dominate decoding.
let fieldIndex = 0;
let fieldName: string | undefined;
let valueIndex = 0;
const F_KEY = '\0key';
const F_NAME = '\0name';
const F_VALUE_TYPE = '\0value_type';
const F_REPRESENTATION = '\0representation';
const F_VALUE = '\0value';
const F_VALUES = '\0values';
// The encoder's codes: the same variables, paths in the Message's own terms.
const E_FIELD = '\0e.field';
const E_NAME = '\0e.name';
const E_REPRESENTATION = '\0e.representation';
const E_VALUE = '\0e.value';

/** The error path for `what`: a header name as is, or one of the F_ codes expanded for the current field. */
function pathOf(what: string): string | undefined {
  if (what === '') return undefined;
  if (what.charCodeAt(0) !== 0) return what;
  const field = `Fields[${fieldIndex}]`;
  const named = fieldName === undefined ? field : `${field} '${fieldName}'`;
  switch (what) {
    case E_FIELD:
      return field;
    case E_NAME:
      return `${field}.name`;
    case E_REPRESENTATION:
      return `${field}.representation`;
    case E_VALUE:
      return `${field}.value[${valueIndex}]`;
    case F_NAME:
      return `${field}.name`;
    case F_VALUE_TYPE:
      return `${named} value_type`;
    case F_REPRESENTATION:
      return `${named} representation`;
    case F_VALUE:
      return `${named} value[${valueIndex}]`;
    case F_VALUES:
      return `${named} value`;
    default:
      return named;
  }
}

function readField(end: number, index: number): Field {
  const start = pos;
  fieldIndex = index;
  fieldName = undefined;
  let name: string | undefined;
  let valueType = -1;
  let representation = '';
  let valueTag = 0; // the value tag seen, 0 for none yet
  // Most fields hold one value: a one-element literal is a quarter of the
  // backing store that push onto an empty array would allocate.
  let value: FieldValue[] | null = null;
  while (pos < end) {
    const keyAt = pos;
    let key = buf[pos]; // pos < end, so in bounds
    if (key < 0x80) pos++; // one-byte keys: every tag this decoder knows
    else {
      readVarint(end, F_KEY);
      if (hi !== 0) fail(`invalid key at byte ${keyAt}`, F_KEY);
      key = lo;
    }
    const tag = key >>> 3;
    const wire = key & 7;
    if (tag >= 4 && tag <= 8) {
      if (valueTag !== 0 && valueTag !== tag) {
        fail(`has values of two types (tags ${valueTag} and ${tag}) at byte ${keyAt}`, F_KEY);
      }
      valueTag = tag;
    }
    valueIndex = value === null ? 0 : value.length;
    switch (tag) {
      case 1:
        name = fieldName = readStringField(end, wire, F_NAME, keyAt);
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, F_VALUE_TYPE, keyAt);
        readVarint(end, F_VALUE_TYPE);
        if (hi !== 0 || lo > 4) fail(`unknown value_type ${int64Value()} at byte ${keyAt}`, F_KEY);
        valueType = lo;
        break;
      case 3:
        representation = readStringField(end, wire, F_REPRESENTATION, keyAt);
        break;
      case 4:
        value = addValue(value, readStringField(end, wire, F_VALUE, keyAt));
        break;
      case 5: {
        const len = readLength(end, wire, F_VALUE, keyAt);
        value = addValue(value, copyBytes(buf, pos, pos + len));
        pos += len;
        break;
      }
      case 6:
        if (wire === WIRE_LENGTH) {
          const len = readLength(end, wire, F_VALUES, keyAt);
          const stop = pos + len;
          while (pos < stop) {
            valueIndex = value === null ? 0 : value.length;
            readVarint(stop, F_VALUE);
            value = addValue(value, int64Value());
          }
        } else {
          expectWire(wire, WIRE_VARINT, F_VALUE, keyAt);
          readVarint(end, F_VALUE);
          value = addValue(value, int64Value());
        }
        break;
      case 7:
        if (wire === WIRE_LENGTH) {
          const len = readLength(end, wire, F_VALUES, keyAt);
          if (len % 8 !== 0) fail(`packed doubles length ${len} is not a multiple of 8 at byte ${keyAt}`, F_KEY);
          for (const stop = pos + len; pos < stop; pos += 8) value = addValue(value, readDouble());
        } else {
          expectWire(wire, WIRE_FIXED64, F_VALUE, keyAt);
          if (pos + 8 > end) truncated(F_VALUE);
          value = addValue(value, readDouble());
          pos += 8;
        }
        break;
      case 8:
        if (wire === WIRE_LENGTH) {
          const len = readLength(end, wire, F_VALUES, keyAt);
          const stop = pos + len;
          while (pos < stop) {
            valueIndex = value === null ? 0 : value.length;
            readVarint(stop, F_VALUE);
            value = addValue(value, lo !== 0 || hi !== 0);
          }
        } else {
          expectWire(wire, WIRE_VARINT, F_VALUE, keyAt);
          readVarint(end, F_VALUE);
          value = addValue(value, lo !== 0 || hi !== 0);
        }
        break;
      default:
        skipUnknown(end, wire, tag, keyAt, pathOf(F_KEY));
    }
  }
  if (name === undefined) fail(`field has no name (field starts at byte ${start})`, F_KEY);
  const type = (valueType === -1 ? T_STRING : valueType) as ValueType;
  if (valueTag !== 0 && VALUE_TAG_TYPE[valueTag] !== type) {
    fail(
      `value_type is ${VALUE_TYPE_NAMES[type]} but the values are ${VALUE_TYPE_NAMES[VALUE_TAG_TYPE[valueTag]]} (tag ${valueTag})`,
      F_KEY,
    );
  }
  return { name, valueType: type, representation, value: value ?? [] };
}

function addValue(list: FieldValue[] | null, v: FieldValue): FieldValue[] {
  if (list === null) return [v];
  list.push(v);
  return list;
}

/** Read a varint ending before `end` into lo/hi; `what` names it in errors ('' for a message key). */
function readVarint(end: number, what: string): void {
  let b: number;
  if (pos >= end) truncated(what);
  b = buf[pos++];
  if (b < 0x80) {
    lo = b;
    hi = 0;
    return;
  }
  let l = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (pos >= end) truncated(what);
    b = buf[pos++];
    l |= (b & 0x7f) << shift;
    if (b < 0x80) {
      lo = l >>> 0;
      hi = 0;
      return;
    }
  }
  if (pos >= end) truncated(what);
  b = buf[pos++];
  lo = (l | ((b & 0x7f) << 28)) >>> 0;
  let h = (b & 0x7f) >> 4;
  if (b < 0x80) {
    hi = h;
    return;
  }
  for (let shift = 3; shift < 38; shift += 7) {
    if (pos >= end) truncated(what);
    b = buf[pos++];
    h |= (b & 0x7f) << shift;
    if (b < 0x80) {
      hi = h >>> 0;
      return;
    }
  }
  fail(`varint longer than 10 bytes ending at byte ${pos}`, what);
}

/** The last varint as a signed int64: a number when safe, else a bigint. */
function int64Value(): number | bigint {
  if (hi === 0) return lo;
  if (hi < 0x200000) return hi * 4294967296 + lo; // below 2^53
  if (hi >= 0xffe00000) {
    const v = (hi - 4294967296) * 4294967296 + lo; // exact: magnitude <= 2^53
    if (v >= -Number.MAX_SAFE_INTEGER) return v;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** The last varint as a signed int64 bigint: one allocation, whatever its size. */
function int64BigInt(): bigint {
  scratchView.setUint32(0, lo, true);
  scratchView.setUint32(4, hi, true);
  return scratchView.getBigInt64(0, true);
}

/** The little-endian double at buf[pos, pos + 8) (the caller checked the bounds). */
function readDouble(): number {
  const b = buf;
  const p = pos;
  scratch[0] = b[p];
  scratch[1] = b[p + 1];
  scratch[2] = b[p + 2];
  scratch[3] = b[p + 3];
  scratch[4] = b[p + 4];
  scratch[5] = b[p + 5];
  scratch[6] = b[p + 6];
  scratch[7] = b[p + 7];
  return scratchView.getFloat64(0, true);
}

function readLength(end: number, wire: number, what: string, keyAt: number): number {
  expectWire(wire, WIRE_LENGTH, what, keyAt);
  if (pos < end) {
    const len = buf[pos];
    if (len < 0x80 && len < end - pos) {
      pos++;
      return len; // one-byte length that fits: most strings
    }
  }
  readVarint(end, what);
  if (hi !== 0 || lo > end - pos) {
    fail(`length ${int64Value()} at byte ${keyAt} runs past the end (${end - pos} bytes left)`, what);
  }
  return lo;
}

function readStringField(end: number, wire: number, what: string, keyAt: number): string {
  const len = readLength(end, wire, what, keyAt);
  const start = pos;
  pos += len;
  return decodeUtf8(start, len, what);
}

function decodeUtf8(start: number, len: number, what: string): string {
  if (len === 0) return '';
  const stop = start + len;
  if (len <= STRING_CACHE_MAX_LENGTH) {
    const s = cachedAsciiString(buf, start, stop);
    if (s !== undefined) return s;
  } else if (utf8Slice !== undefined) {
    // One native call instead of an ASCII scan here; only a string holding
    // U+FFFD (invalid input, or a real U+FFFD) goes on to the fatal decoder.
    const s = utf8Slice.call(buf, start, stop);
    if (s.indexOf('\uFFFD') === -1) return s;
  } else {
    let i = start;
    while (i < stop && buf[i] < 0x80) i++;
    if (i === stop) return asciiSlice(buf, start, stop);
  }
  try {
    return utf8Decoder.decode(buf.subarray(start, stop));
  } catch {
    fail(`invalid UTF-8 in the ${len} bytes at byte ${start}`, what);
  }
}

function expectWire(wire: number, expected: number, what: string, keyAt: number): void {
  if (wire !== expected) {
    fail(`wire type ${wire} at byte ${keyAt}, expected ${expected} (${WIRE_NAMES[expected]})`, what);
  }
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start group', 'end group', 'fixed32', '6', '7'];

/** Skip a tag this decoder does not know (newer writers may add some). */
function skipUnknown(end: number, wire: number, tag: number, keyAt: number, where?: string): void {
  const what = where ? `${where} tag ${tag}` : `tag ${tag}`;
  if (tag === 0) fail(`invalid tag 0 at byte ${keyAt}`, where);
  switch (wire) {
    case WIRE_VARINT:
      readVarint(end, what);
      return;
    case WIRE_FIXED64:
      if (pos + 8 > end) truncated(what);
      pos += 8;
      return;
    case WIRE_LENGTH: {
      const len = readLength(end, wire, what, keyAt); // before reading pos, which it advances
      pos += len;
      return;
    }
    case WIRE_FIXED32:
      if (pos + 4 > end) truncated(what);
      pos += 4;
      return;
    default:
      fail(`unsupported wire type ${wire} (${WIRE_NAMES[wire]}) at byte ${keyAt}`, what);
  }
}

function truncated(what: string): never {
  if (what) fail(`truncated at byte ${pos}`, what);
  fail(`truncated key at byte ${pos}`);
}

/** Throw a MessageError; `what` is a header name, an F_ code or a ready path. */
function fail(message: string, what?: string): never {
  throw new MessageError(message, what === undefined ? undefined : pathOf(what));
}

// ---------------------------------------------------------------- encoding

const out = new Uint8Array(MAX_MESSAGE_SIZE);
const outView = new DataView(out.buffer);
let o = 0;

/**
 * Encode a message as lua_sandbox would. Throws MessageError for a value that
 * does not fit its field's value_type, a Uuid that is not 16 bytes, integers
 * outside int64, strings with lone surrogates, or a result over
 * MAX_MESSAGE_SIZE. Returns a new buffer.
 */
export function encodeMessage(m: Message): Uint8Array {
  o = 0;
  const uuid = m.uuid;
  if (!(uuid instanceof Uint8Array) || uuid.length !== UUID_SIZE) {
    fail(`must be ${UUID_SIZE} bytes, got ${uuid instanceof Uint8Array ? uuid.length : typeof uuid}`, 'Uuid');
  }
  writeBytes(0x0a, uuid);
  if (typeof m.timestamp !== 'bigint') fail(`must be a bigint, got ${typeof m.timestamp}`, 'Timestamp');
  out[o++] = 0x10;
  writeInt64(m.timestamp, 'Timestamp');
  if (m.type !== undefined) writeString(0x1a, m.type, 'Type');
  if (m.logger !== undefined) writeString(0x22, m.logger, 'Logger');
  if (m.severity !== undefined) {
    out[o++] = 0x28;
    writeInt64(m.severity, 'Severity');
  }
  if (m.payload !== undefined) writeString(0x32, m.payload, 'Payload');
  if (m.envVersion !== undefined) writeString(0x3a, m.envVersion, 'EnvVersion');
  if (m.pid !== undefined) {
    out[o++] = 0x40;
    writeInt64(m.pid, 'Pid');
  }
  if (m.hostname !== undefined) writeString(0x4a, m.hostname, 'Hostname');
  const fields = m.fields;
  for (let i = 0; i < fields.length; i++) {
    out[o++] = 0x52;
    const lenAt = o++;
    writeField(fields[i], i);
    closeLength(lenAt);
  }
  // Small writes past the end of `out` are dropped by the typed array, but o
  // still counts them, so this one check covers every write.
  if (o > MAX_MESSAGE_SIZE) oversize();
  return out.slice(0, o);
}

function writeField(f: Field, index: number): void {
  fieldIndex = index;
  fieldName = undefined;
  const path = E_FIELD;
  if (typeof f.name !== 'string') fail(`name must be a string, got ${typeof f.name}`, path);
  writeString(0x0a, f.name, E_NAME);
  const vt = f.valueType;
  if (vt !== ValueType.STRING) {
    if (vt !== ValueType.BYTES && vt !== ValueType.INTEGER && vt !== ValueType.DOUBLE && vt !== ValueType.BOOL) {
      fail(`unknown value_type ${String(vt)}`, path);
    }
    out[o++] = 0x10;
    out[o++] = vt;
  }
  if (f.representation) writeString(0x1a, f.representation, E_REPRESENTATION);
  const values = f.value;
  if (!Array.isArray(values)) fail('value must be an array', path);
  const n = values.length;
  switch (vt) {
    case ValueType.STRING:
      for (let j = 0; j < n; j++) {
        const v = values[j];
        if (typeof v !== 'string') wrongType(v, 'a string', j);
        valueIndex = j;
        writeString(0x22, v, E_VALUE);
      }
      break;
    case ValueType.BYTES:
      for (let j = 0; j < n; j++) {
        const v = values[j];
        if (!(v instanceof Uint8Array)) wrongType(v, 'a Uint8Array', j);
        writeBytes(0x2a, v);
      }
      break;
    case ValueType.INTEGER: {
      let lenAt = -1;
      if (n === 1) out[o++] = 0x30;
      else if (n > 1) {
        out[o++] = 0x32;
        lenAt = o++;
      }
      for (let j = 0; j < n; j++) {
        const v = values[j];
        if (typeof v !== 'number' && typeof v !== 'bigint') wrongType(v, 'an integer', j);
        valueIndex = j;
        writeInt64(v, E_VALUE);
      }
      if (lenAt !== -1) closeLength(lenAt);
      break;
    }
    case ValueType.DOUBLE:
      if (n === 1) out[o++] = 0x39;
      else if (n > 1) {
        out[o++] = 0x3a;
        writeVarint(n * 8);
      }
      if (o + n * 8 > MAX_MESSAGE_SIZE) oversize();
      for (let j = 0; j < n; j++) {
        const v = values[j];
        if (typeof v !== 'number') wrongType(v, 'a number', j);
        outView.setFloat64(o, v, true);
        o += 8;
      }
      break;
    case ValueType.BOOL:
      if (n === 1) out[o++] = 0x40;
      else if (n > 1) {
        out[o++] = 0x42;
        writeVarint(n);
      }
      for (let j = 0; j < n; j++) {
        const v = values[j];
        if (typeof v !== 'boolean') wrongType(v, 'a boolean', j);
        out[o++] = v ? 1 : 0;
      }
      break;
  }
}

function wrongType(v: unknown, expected: string, j: number): never {
  const got = v instanceof Uint8Array ? 'Uint8Array' : v === null ? 'null' : typeof v;
  valueIndex = j;
  fail(`expected ${expected}, got ${got}`, E_VALUE);
}

/** Fill in the one-byte length reserved at lenAt, widening it if the body grew past 127 bytes. */
function closeLength(lenAt: number): void {
  const len = o - lenAt - 1;
  if (len < 0x80) {
    out[lenAt] = len;
    return;
  }
  const extra = len < 0x4000 ? 1 : len < 0x200000 ? 2 : 3;
  if (o + extra > MAX_MESSAGE_SIZE) oversize();
  out.copyWithin(lenAt + 1 + extra, lenAt + 1, o);
  o = lenAt;
  writeVarint(len);
  o += len;
}

function writeVarint(v: number): void {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v = v >>> 7;
  }
  out[o++] = v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A signed int64 as a varint (negative numbers take 10 bytes, as in protobuf and lua_sandbox). */
function writeInt64(v: number | bigint, path: string): void {
  let l: number;
  let h: number;
  if (typeof v === 'number') {
    if (v >= 0 && v < 0x80 && (v | 0) === v) {
      out[o++] = v;
      return;
    }
    if (!Number.isInteger(v)) fail(`expected an integer, got ${v}`, path);
    if (v < -9223372036854775808 || v >= 9223372036854775808) fail(`${v} is outside the int64 range`, path);
    if (!Number.isSafeInteger(v)) {
      writeInt64(BigInt(v), path);
      return;
    }
    h = Math.floor(v / 4294967296);
    l = v - h * 4294967296;
    h = h >>> 0;
  } else {
    if (v < INT64_MIN || v > INT64_MAX) fail(`${v} is outside the int64 range`, path);
    const u = BigInt.asUintN(64, v);
    l = Number(u & 0xffffffffn);
    h = Number(u >> 32n);
  }
  while (h !== 0 || l >= 0x80) {
    out[o++] = (l & 0x7f) | 0x80;
    l = ((l >>> 7) | (h << 25)) >>> 0;
    h = h >>> 7;
  }
  out[o++] = l;
}

function writeBytes(key: number, b: Uint8Array): void {
  out[o++] = key;
  writeVarint(b.length);
  if (o + b.length > MAX_MESSAGE_SIZE) oversize();
  out.set(b, o);
  o += b.length;
}

function writeString(key: number, s: string, path: string): void {
  if (typeof s !== 'string') fail(`expected a string, got ${s === null ? 'null' : typeof s}`, path);
  const n = s.length;
  out[o++] = key;
  if (n < 0x80) {
    // ASCII fast path with a one-byte length.
    let q = o + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[q++] = c;
    }
    if (i === n) {
      out[o] = n;
      o = q;
      return;
    }
  }
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    fail('contains a lone surrogate, which has no UTF-8 encoding', path);
  }
  const lenAt = o++;
  if (o >= MAX_MESSAGE_SIZE) oversize();
  const r = utf8Encoder.encodeInto(s, out.subarray(o));
  if (r.read < n) oversize();
  o += r.written;
  closeLength(lenAt);
}

function oversize(): never {
  fail(`encoded message is larger than the ${MAX_MESSAGE_SIZE} byte maximum`);
}

// ---------------------------------------------------------------- sizing

/**
 * The length encodeMessage(m) would return, computed without encoding, for a
 * message whose values have the types their fields name (as messageFromJSON
 * and decodeMessage produce). Lets callers enforce MAX_MESSAGE_SIZE cheaply.
 */
export function encodedSize(m: Message): number {
  let n = 2 + UUID_SIZE + 1 + int64Size(m.timestamp);
  if (m.type !== undefined) n += stringSize(m.type);
  if (m.logger !== undefined) n += stringSize(m.logger);
  if (m.severity !== undefined) n += 1 + int64Size(m.severity);
  if (m.payload !== undefined) n += stringSize(m.payload);
  if (m.envVersion !== undefined) n += stringSize(m.envVersion);
  if (m.pid !== undefined) n += 1 + int64Size(m.pid);
  if (m.hostname !== undefined) n += stringSize(m.hostname);
  const fields = m.fields;
  for (let i = 0; i < fields.length; i++) {
    const body = fieldSize(fields[i]);
    n += 1 + varintSize(body) + body;
  }
  return n;
}

function fieldSize(f: Field): number {
  let n = stringSize(f.name);
  if (f.valueType !== ValueType.STRING) n += 2;
  if (f.representation) n += stringSize(f.representation);
  const values = f.value;
  const count = values.length;
  switch (f.valueType) {
    case ValueType.STRING:
      for (let j = 0; j < count; j++) n += stringSize(values[j] as string);
      break;
    case ValueType.BYTES:
      for (let j = 0; j < count; j++) {
        const len = (values[j] as Uint8Array).length;
        n += 1 + varintSize(len) + len;
      }
      break;
    case ValueType.INTEGER:
      if (count === 1) n += 1 + int64Size(values[0] as number | bigint);
      else if (count > 1) {
        let packed = 0;
        for (let j = 0; j < count; j++) packed += int64Size(values[j] as number | bigint);
        n += 1 + varintSize(packed) + packed;
      }
      break;
    case ValueType.DOUBLE:
      if (count === 1) n += 9;
      else if (count > 1) n += 1 + varintSize(count * 8) + count * 8;
      break;
    case ValueType.BOOL:
      if (count === 1) n += 2;
      else if (count > 1) n += 1 + varintSize(count) + count;
      break;
  }
  return n;
}

function stringSize(s: string): number {
  const len = utf8Length(s);
  return 1 + varintSize(len) + len;
}

/** UTF-8 byte length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for 2 UTF-16 units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function int64Size(v: number | bigint): number {
  if (typeof v === 'number') {
    if (v < 0) return 10;
    let n = 1;
    while (v >= 128) {
      v = Math.floor(v / 128);
      n++;
    }
    return n;
  }
  if (v < 0n) return 10;
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** A copy of buf[start, stop): Buffer#slice shares memory, so call Uint8Array's slice even on a Buffer. */
function copyBytes(buf: Uint8Array, start: number, stop: number): Uint8Array {
  return Uint8Array.prototype.slice.call(buf, start, stop);
}
