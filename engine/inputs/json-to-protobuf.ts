/**
 * Heka JSON straight to Heka protobuf, bytes to bytes, for the NDJSON ingest
 * hot path: no JSON.parse, no Message, no strings for values that are only
 * copied (UTF-8 in, UTF-8 out).
 *
 * A fast path, not a second rulebook. It takes the common shapes (list or
 * shorthand Fields; STRING, INTEGER, DOUBLE and BOOL values; plain numbers;
 * digit-string integers) and returns undefined for everything else: any JSON
 * error, any value the reference path would reject, and rare valid forms
 * (BYTES, RFC 3339 or unsafe-integer timestamps, duplicate or escaped keys,
 * index-like shorthand names, over 1024 values in a field). The caller then
 * runs the reference path (parseMessageJSON + encodeMessage), which accepts
 * or rejects with its own error message. So what is accepted and every error
 * message are the reference path's by construction, and when this returns
 * bytes they are the bytes the reference path encodes (property-tested in
 * json-to-protobuf.test.ts), except a missing Uuid or Timestamp, filled in
 * the same way (random v4 UUID, current time) with different random bits.
 *
 * Speed comes from the usual shape, the one messageToJSON writes: headers
 * in tag order and Fields last, a list of {"name","value_type",
 * "representation"?,"value":[...]} with no whitespace. That is read in one
 * pass, each value written to its place as it is read, strings checked and
 * copied four bytes at a time. Any other order or shape goes to the general
 * readers (transcodeAnyOrder, listField), which take every form above; the
 * fast readers only ever hand over to them, never decide differently.
 *
 * The input must be valid UTF-8 (callers check a whole body once). Like the
 * protobuf codec, the cursor lives in module variables: synchronous, never
 * re-entered.
 */
import { MAX_MESSAGE_SIZE } from '../message/message';

const MAX_SIZE = MAX_MESSAGE_SIZE;
const MAX_DEPTH = 64; // deeper unknown values go to the reference path
const MAX_VALUES = 1024;

// Records are written into an arena and handed out as views on it: one
// allocation per arena, not per record (allocating a small Uint8Array costs
// more than transcoding a short message). The headers come first in the
// protobuf; when they come in tag order in the JSON, before Fields, they are
// written as read. Otherwise (transcodeAnyOrder) the fields are written
// `reserve` bytes in, the headers at the start, and the fields moved down.
// Headers never encode to more than their JSON (plus a filled-in Uuid and
// Timestamp, and a negative Pid's ten-byte varint), so the line's length plus
// HEADER_SLACK is room enough. Writes may run a few bytes past the write
// cursor (whole words) and past oMax (checked after each value): the arena
// keeps ARENA_NEED free for one record.
const HEADER_SLACK = 64;
const MAX_LINE = 256 * 1024; // longer lines (rare: huge ignored keys) go to the reference path
const ARENA_SIZE = 4 * 1024 * 1024;
const ARENA_NEED = MAX_LINE + HEADER_SLACK + MAX_SIZE + 256;
let arena = new ArrayBuffer(ARENA_SIZE);
let out = new Uint8Array(arena);
let outView = new DataView(arena);
let arenaAt = 0;
let o = 0;
/** Where the part being written must end; checked after each value, so no write runs far past it. */
let oMax = 0;

let b: Uint8Array = new Uint8Array(0);
/** b, for reading several bytes at once. */
let inView: DataView = new DataView(new ArrayBuffer(0));
/** Where b starts in inView (a view of b's whole buffer). */
let inOff = 0;
// One view per input buffer (creating a DataView costs more than reading a
// short field): kept while the buffer lives, which the cache does not prolong.
const inputViews = new WeakMap<ArrayBufferLike, DataView>();
let p = 0;
let e = 0;
/** Set by scanString: the string held a backslash escape. */
let escaped = false;

/** Thrown (and caught below) to leave the fast path; never escapes this module. */
const BAIL = new Error('not on the fast path');
function bail(): never {
  throw BAIL;
}

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/**
 * The Heka protobuf for the JSON object in bytes[start, end), or undefined
 * when the reference path must decide (see the module comment).
 */
export function jsonToProtobuf(bytes: Uint8Array, start: number, end: number): Uint8Array | undefined {
  const buffer = bytes.buffer;
  let view = inputViews.get(buffer);
  if (view === undefined) {
    view = new DataView(buffer);
    inputViews.set(buffer, view);
  }
  inView = view;
  inOff = bytes.byteOffset;
  b = bytes;
  p = start;
  e = end;
  try {
    return transcodeMessage();
  } catch (err) {
    if (err === BAIL) return undefined;
    // A RangeError from an unexpected write: still the reference path's call.
    if (err instanceof RangeError) return undefined;
    throw err;
  } finally {
    b = EMPTY; // do not keep the caller's buffer alive
    inView = EMPTY_VIEW;
  }
}

// Which readers did the work, for tests (a fast path that is never taken tests nothing).
let inOrderMessages = 0;
let anyOrderMessages = 0;
let canonicalFields = 0;
let otherFields = 0;

/**
 * How many messages (whatever became of them) were read headers-in-order and
 * how many started over in any order; how many list-form fields took the
 * one-pass canonical reader and how many the general one.
 */
export function jsonToProtobufCounts(): { inOrderMessages: number; anyOrderMessages: number; canonicalFields: number; otherFields: number } {
  return { inOrderMessages, anyOrderMessages, canonicalFields, otherFields };
}

// ---------------------------------------------------------------- headers

const C_QUOTE = 0x22;
const C_BACKSLASH = 0x5c;
const C_COMMA = 0x2c;
const C_COLON = 0x3a;
const C_LBRACE = 0x7b;
const C_RBRACE = 0x7d;
const C_LBRACKET = 0x5b;
const C_RBRACKET = 0x5d;

// Header tags; also the bit in `seen`.
const H_UUID = 1;
const H_TIMESTAMP = 2;
const H_TYPE = 3;
const H_LOGGER = 4;
const H_SEVERITY = 5;
const H_PAYLOAD = 6;
const H_ENV_VERSION = 7;
const H_PID = 8;
const H_HOSTNAME = 9;
const H_FIELDS = 10;

const HEADER_KEYS: readonly [string, number][] = [
  ['Uuid', H_UUID],
  ['Timestamp', H_TIMESTAMP],
  ['Type', H_TYPE],
  ['Logger', H_LOGGER],
  ['Severity', H_SEVERITY],
  ['Payload', H_PAYLOAD],
  ['EnvVersion', H_ENV_VERSION],
  ['Pid', H_PID],
  ['Hostname', H_HOSTNAME],
  ['Fields', H_FIELDS],
];
const HEADER_BY_LENGTH: ([Uint8Array, number][] | undefined)[] = [];
for (const [k, tag] of HEADER_KEYS) (HEADER_BY_LENGTH[k.length] ??= []).push([asciiBytes(k), tag]);
const HEADER_LOWER = HEADER_KEYS.map(([k]) => asciiBytes(k.toLowerCase()));
/** By tag: the key and its closing quote. */
const HEADER_QUOTED: Uint8Array[] = [EMPTY];
const HEADER_WORD_0 = new Int32Array(HEADER_KEYS.length + 1);
const HEADER_WORD_MID = new Int32Array(HEADER_KEYS.length + 1);
const HEADER_WORD_LAST = new Int32Array(HEADER_KEYS.length + 1);
for (const [k, tag] of HEADER_KEYS) {
  const quoted = asciiBytes(k + '"');
  HEADER_QUOTED[tag] = quoted;
  HEADER_WORD_0[tag] = int32At(quoted, 0);
  HEADER_WORD_MID[tag] = int32At(quoted, (quoted.length >> 1) - 2);
  HEADER_WORD_LAST[tag] = int32At(quoted, quoted.length - 4);
}

/** The header whose exact name (and closing quote) starts at `at`, by its first letter; 0 for any other key. */
function exactHeaderKey(bb: Uint8Array, at: number, end: number): number {
  let tag: number;
  switch (bb[at]) {
    case 0x55: // U
      tag = H_UUID;
      break;
    case 0x54: // T
      tag = bb[at + 1] === 0x69 ? H_TIMESTAMP : H_TYPE;
      break;
    case 0x4c: // L
      tag = H_LOGGER;
      break;
    case 0x53: // S
      tag = H_SEVERITY;
      break;
    case 0x50: // P
      tag = bb[at + 1] === 0x61 ? H_PAYLOAD : H_PID;
      break;
    case 0x45: // E
      tag = H_ENV_VERSION;
      break;
    case 0x48: // H
      tag = H_HOSTNAME;
      break;
    case 0x46: // F
      tag = H_FIELDS;
      break;
    default:
      return 0;
  }
  // Three words, overlapping when shorter than 12 bytes (every name is 4 to 11 with its quote).
  const len = HEADER_QUOTED[tag].length;
  if (at + len > end) return 0;
  const v = inView;
  const x = inOff + at;
  return v.getInt32(x, true) === HEADER_WORD_0[tag] &&
    v.getInt32(x + (len >> 1) - 2, true) === HEADER_WORD_MID[tag] &&
    v.getInt32(x + len - 4, true) === HEADER_WORD_LAST[tag]
    ? tag
    : 0;
}

// String headers seen: content span and whether it holds escapes (by tag).
const strStart = new Int32Array(10);
const strEnd = new Int32Array(10);
const strEscaped = new Uint8Array(10);
const uuid = new Uint8Array(16);
// Timestamp as two's-complement uint32 halves; Severity and Pid as safe integers.
let tsLo = 0;
let tsHi = 0;
let severity = 0;
let pid = 0;

function transcodeMessage(): Uint8Array {
  if (e - p > MAX_LINE) bail();
  if (arenaAt + ARENA_NEED > ARENA_SIZE) {
    arena = new ArrayBuffer(ARENA_SIZE);
    out = new Uint8Array(arena);
    outView = new DataView(arena);
    arenaAt = 0;
  }
  const start = p;
  inOrderMessages++;
  const record = transcodeInOrder();
  if (record !== undefined) return record;
  p = start;
  anyOrderMessages++;
  return transcodeAnyOrder();
}

// The protobuf field key of each header, by tag.
const HEADER_KEY_BYTE = [0, 0x0a, 0x10, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x40, 0x4a, 0x52];

/**
 * The usual case: headers in tag order (as messageToJSON writes them, Fields
 * last), each written straight to its place as it is read, the fields right
 * after them. undefined when a header comes out of order (the caller then
 * starts over with transcodeAnyOrder); bails like it otherwise.
 */
function transcodeInOrder(): Uint8Array | undefined {
  const base = arenaAt;
  o = base;
  oMax = base + MAX_SIZE;
  /** The last header tag written (Uuid and Timestamp count as written once filled in). */
  let last = 0;
  /** Whether any key was a header or Fields (null or not): a line with none is the reference path's rejection. */
  let known = false;
  skipWs();
  expect(C_LBRACE);
  skipWs();
  if (peek() === C_RBRACE) p++;
  else {
    for (;;) {
      expect(C_QUOTE);
      const tag = headerTag();
      skipWs();
      expect(C_COLON);
      skipWs();
      if (tag !== 0) known = true;
      if (tag === 0) skipValue(0);
      else if (tag <= last) return undefined; // out of order or a duplicate
      else if (!isNull()) {
        // null is "absent" for every header (Uuid and Timestamp are then filled in).
        if (tag > H_UUID && last < H_UUID) fillUuid();
        if (tag > H_TIMESTAMP && last < H_TIMESTAMP) fillTimestamp();
        writeHeaderInOrder(tag);
        last = tag;
        if (o > oMax) bail();
      }
      skipWs();
      const c = take();
      if (c === C_RBRACE) break;
      if (c !== C_COMMA) bail();
      skipWs();
    }
  }
  skipWs();
  if (p !== e || !known) bail();
  if (last < H_UUID) fillUuid();
  if (last < H_TIMESTAMP) fillTimestamp();
  const total = o - base;
  if (total > MAX_SIZE) bail();
  arenaAt = base + total;
  return new Uint8Array(arena, base, total);
}

function fillUuid(): void {
  out[o++] = 0x0a;
  out[o++] = 16;
  randomUuid(o);
  o += 16;
}

function fillTimestamp(): void {
  nowNanoseconds();
  out[o++] = 0x10;
  writeVarint64(tsHi, tsLo);
}

/** One header's value (at p, not null) read and written at o. */
function writeHeaderInOrder(tag: number): void {
  const ob = out;
  switch (tag) {
    case H_UUID:
      ob[o++] = 0x0a;
      ob[o++] = 16;
      readUuid(ob, o);
      o += 16;
      return;
    case H_TIMESTAMP:
      readTimestamp();
      ob[o++] = 0x10;
      writeVarint64(tsHi, tsLo);
      return;
    case H_SEVERITY:
    case H_PID:
      ob[o++] = HEADER_KEY_BYTE[tag];
      writeInt64Number(readSafeInteger());
      return;
    case H_FIELDS:
      readFields();
      return;
    default: {
      // A string: its content decoded straight into place.
      expect(C_QUOTE);
      ob[o] = HEADER_KEY_BYTE[tag];
      const close = copyString(b, p, e, o + 2);
      if (close < 0) bail();
      p = close + 1;
      o = closeLengthAt(ob, o + 1, copyEnd);
    }
  }
}

/** Headers in any order: the fields are written `reserve` bytes in, the headers then go before them. */
function transcodeAnyOrder(): Uint8Array {
  const reserve = e - p + HEADER_SLACK;
  const base = arenaAt;
  const fieldsStart = base + reserve;
  o = fieldsStart;
  oMax = fieldsStart + MAX_SIZE;
  let seen = 0;
  let known = false; // as in transcodeInOrder
  skipWs();
  expect(C_LBRACE);
  skipWs();
  if (peek() === C_RBRACE) p++;
  else {
    for (;;) {
      expect(C_QUOTE);
      const tag = headerTag();
      skipWs();
      expect(C_COLON);
      skipWs();
      if (tag !== 0) {
        known = true;
        if ((seen & (1 << tag)) !== 0) bail(); // duplicate: JSON.parse keeps the last, let it
        if (isNull()) {
          // null is "absent" for every header (Uuid and Timestamp are then filled in).
        } else {
          seen |= 1 << tag;
          readHeader(tag);
        }
      } else skipValue(0);
      skipWs();
      const c = take();
      if (c === C_RBRACE) break;
      if (c !== C_COMMA) bail();
      skipWs();
    }
  }
  skipWs();
  if (p !== e || !known) bail();
  if (o > oMax) bail();
  const fieldsEnd = o;

  // Headers in tag order, before the fields.
  o = base;
  oMax = fieldsStart;
  if ((seen & (1 << H_UUID)) !== 0) {
    out[o++] = 0x0a;
    out[o++] = 16;
    out.set(uuid, o);
    o += 16;
  } else fillUuid();
  if ((seen & (1 << H_TIMESTAMP)) !== 0) {
    out[o++] = 0x10;
    writeVarint64(tsHi, tsLo);
  } else fillTimestamp();
  if ((seen & (1 << H_TYPE)) !== 0) writeStringHeader(H_TYPE);
  if ((seen & (1 << H_LOGGER)) !== 0) writeStringHeader(H_LOGGER);
  if ((seen & (1 << H_SEVERITY)) !== 0) {
    out[o++] = 0x28;
    writeInt64Number(severity);
  }
  if ((seen & (1 << H_PAYLOAD)) !== 0) writeStringHeader(H_PAYLOAD);
  if ((seen & (1 << H_ENV_VERSION)) !== 0) writeStringHeader(H_ENV_VERSION);
  if ((seen & (1 << H_PID)) !== 0) {
    out[o++] = 0x40;
    writeInt64Number(pid);
  }
  if ((seen & (1 << H_HOSTNAME)) !== 0) writeStringHeader(H_HOSTNAME);
  if (o > fieldsStart) throw new Error('jsonToProtobuf: headers outgrew their reserve'); // cannot happen, see HEADER_SLACK
  const total = o - base + (fieldsEnd - fieldsStart);
  if (total > MAX_SIZE) bail();
  out.copyWithin(o, fieldsStart, fieldsEnd);
  arenaAt = base + total;
  return new Uint8Array(arena, base, total);
}

/** After the opening quote of a top-level key: its header tag, or 0 for a key to ignore. */
function headerTag(): number {
  const start = p;
  const known = exactHeaderKey(b, start, e);
  if (known !== 0) {
    p = start + HEADER_QUOTED[known].length;
    return known;
  }
  const end = scanString();
  if (escaped) bail();
  const len = end - start;
  // By length and first letter, then the bytes: one comparison for most keys.
  const h = len < HEADER_BY_LENGTH.length ? HEADER_BY_LENGTH[len] : undefined;
  if (h !== undefined) {
    for (let i = 0; i < h.length; i++) {
      const bytes = h[i][0];
      if (b[start] === bytes[0] && sameBytes(bytes, start)) return h[i][1];
    }
  }
  // Not a header; a header in the wrong case is the reference path's error.
  for (let i = start; i < end; i++) if (b[i] >= 0x80) bail();
  for (let h = 0; h < HEADER_LOWER.length; h++) {
    if (HEADER_LOWER[h].length === len && sameBytesIgnoringCase(HEADER_LOWER[h], start)) bail();
  }
  return 0;
}

function readHeader(tag: number): void {
  switch (tag) {
    case H_UUID:
      readUuid(uuid, 0);
      return;
    case H_TIMESTAMP:
      readTimestamp();
      return;
    case H_SEVERITY:
      severity = readSafeInteger();
      return;
    case H_PID:
      pid = readSafeInteger();
      return;
    case H_FIELDS:
      readFields();
      return;
    default: {
      expect(C_QUOTE);
      strStart[tag] = p;
      strEnd[tag] = scanString();
      strEscaped[tag] = escaped ? 1 : 0;
    }
  }
}

/** A Uuid string into dst[at, at + 16). */
function readUuid(dst: Uint8Array, at: number): void {
  expect(C_QUOTE);
  const start = p;
  const end = scanString();
  if (escaped) bail();
  const len = end - start;
  if (len !== 32 && len !== 36) bail();
  const bb = b;
  const dashes = len === 36;
  let k = start;
  for (let i = 0; i < 16; i++) {
    if (dashes && (i === 4 || i === 6 || i === 8 || i === 10)) {
      if (bb[k] !== 0x2d) bail();
      k++;
    }
    const hi = HEX[bb[k]];
    const lo = HEX[bb[k + 1]];
    if ((hi | lo) < 0) bail();
    dst[at + i] = (hi << 4) | lo;
    k += 2;
  }
}

/** Hex digit values by byte, -1 for the rest. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) HEX[c] = hexDigit(c);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function readTimestamp(): void {
  const c = peek();
  if (c === C_QUOTE) {
    p++;
    const start = p;
    const end = scanString();
    if (escaped || !digitStringInt64(start, end)) bail(); // RFC 3339 and the rest: reference path
    tsHi = intHi;
    tsLo = intLo;
    return;
  }
  setNumberHalves(readSafeInteger());
  tsHi = intHi;
  tsLo = intLo;
}

/** A plain JSON integer literal (no fraction or exponent) of at most 15 digits. */
function readSafeInteger(): number {
  scanNumber();
  if (!numPlain) bail();
  return numValue;
}

// Random v4 UUIDs come from a pool refilled in one call.
const randomPool = new Uint8Array(4096);
let randomAt = randomPool.length;

function randomUuid(at: number): void {
  if (randomAt + 16 > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  out.set(randomPool.subarray(randomAt, randomAt + 16), at);
  randomAt += 16;
  out[at + 6] = (out[at + 6] & 0x0f) | 0x40;
  out[at + 8] = (out[at + 8] & 0x3f) | 0x80;
}

let nowMs = -1;
let nowHi = 0;
let nowLo = 0;

/** The current time in nanoseconds (millisecond precision, as the reference path) into tsHi/tsLo. */
function nowNanoseconds(): void {
  const ms = Date.now();
  if (ms !== nowMs) {
    const ns = BigInt.asUintN(64, BigInt(ms) * 1_000_000n);
    nowHi = Number(ns >> 32n);
    nowLo = Number(ns & 0xffffffffn);
    nowMs = ms;
  }
  tsHi = nowHi;
  tsLo = nowLo;
}

function writeStringHeader(tag: number): void {
  writeJsonString(HEADER_KEY_BYTE[tag], strStart[tag], strEnd[tag], strEscaped[tag] === 1);
}

// ---------------------------------------------------------------- fields

const T_STRING = 0;
const T_INTEGER = 2;
const T_DOUBLE = 3;
const T_BOOL = 4;

// One field's values, as scanned: kind, span and (numbers) value.
const K_STRING = 1;
const K_NUMBER = 2;
const K_TRUE = 3;
const K_FALSE = 4;
const valKind = new Uint8Array(MAX_VALUES);
const valStart = new Int32Array(MAX_VALUES);
const valEnd = new Int32Array(MAX_VALUES);
const valEscaped = new Uint8Array(MAX_VALUES);
/** A number's value; NaN until computed for a literal that is not a plain short integer. */
const valNumber = new Float64Array(MAX_VALUES);
let valCount = 0;

// Shorthand names seen in this message, to send duplicates to the reference path.
const nameStart = new Int32Array(MAX_VALUES);
const nameEnd = new Int32Array(MAX_VALUES);

function readFields(): void {
  const c = peek();
  if (c === C_LBRACKET) {
    p++;
    skipWs();
    if (peek() === C_RBRACKET) {
      p++;
      return;
    }
    for (;;) {
      if (canonicalField()) canonicalFields++;
      else {
        listField();
        otherFields++;
      }
      if (o > oMax) bail();
      skipWs();
      const d = take();
      if (d === C_RBRACKET) return;
      if (d !== C_COMMA) bail();
      skipWs();
    }
  }
  if (c !== C_LBRACE) bail();
  p++;
  skipWs();
  if (peek() === C_RBRACE) {
    p++;
    return;
  }
  let names = 0;
  for (;;) {
    expect(C_QUOTE);
    const start = p;
    const end = scanString();
    if (escaped || isArrayIndex(start, end)) bail(); // escapes; for-in puts index keys first
    for (let i = 0; i < names; i++) if (sameSpan(nameStart[i], nameEnd[i], start, end)) bail();
    if (names === MAX_VALUES) bail();
    nameStart[names] = start;
    nameEnd[names] = end;
    names++;
    skipWs();
    expect(C_COLON);
    skipWs();
    if (peek() === C_LBRACE || isNull()) bail(); // the reference path's error
    scanValues();
    const type = inferType();
    out[o++] = 0x52;
    const lenAt = o++;
    writeJsonString(0x0a, start, end, false);
    if (type !== T_STRING) {
      out[o++] = 0x10;
      out[o++] = type;
    }
    writeValues(type);
    closeLength(lenAt);
    if (o > oMax) bail();
    skipWs();
    const d = take();
    if (d === C_RBRACE) return;
    if (d !== C_COMMA) bail();
    skipWs();
  }
}

/** One list-form entry: {"name", "value_type", "representation", "value"} in any order, other keys ignored. */
function listField(): void {
  expect(C_LBRACE);
  skipWs();
  let nameAt = -1;
  let nameStop = 0;
  let nameEscaped = false;
  let repAt = -1;
  let repStop = 0;
  let repEscaped = false;
  let type = -1;
  let keys = 0;
  if (peek() !== C_RBRACE) {
    for (;;) {
      expect(C_QUOTE);
      const key = entryKey();
      skipWs();
      expect(C_COLON);
      skipWs();
      if (key !== 0) {
        if ((keys & key) !== 0) bail();
        keys |= key;
      }
      switch (key) {
        case K_NAME:
          expect(C_QUOTE); // null or another type: the reference path's error
          nameAt = p;
          nameStop = scanString();
          nameEscaped = escaped;
          break;
        case K_REPRESENTATION:
          if (isNull()) break;
          expect(C_QUOTE);
          repAt = p;
          repStop = scanString();
          repEscaped = escaped;
          break;
        case K_VALUE_TYPE:
          if (isNull()) break;
          type = readValueType();
          break;
        case K_VALUE:
          if (isNull()) bail(); // "has no value": the reference path's error
          scanValues();
          break;
        default:
          skipValue(0);
      }
      skipWs();
      const d = take();
      if (d === C_RBRACE) break;
      if (d !== C_COMMA) bail();
      skipWs();
    }
  } else p++;
  if (nameAt === -1 || (keys & K_VALUE) === 0) bail();
  if (type === -1) type = inferType();
  else checkType(type);

  out[o++] = 0x52;
  const lenAt = o++;
  writeJsonString(0x0a, nameAt, nameStop, nameEscaped);
  if (type !== T_STRING) {
    out[o++] = 0x10;
    out[o++] = type;
  }
  if (repAt !== -1 && repStop > repAt) writeJsonString(0x1a, repAt, repStop, repEscaped);
  writeValues(type);
  closeLength(lenAt);
}

// The shape messageToJSON (and so most producers) writes, with no whitespace:
// {"name":"...","value_type":N,("representation":"...",)?"value":[...]}.
const FIELD_OPEN = asciiBytes('{"name":"');
const AFTER_NAME = asciiBytes('","value_type":');
const REPRESENTATION_OPEN = asciiBytes(',"representation":"');
const VALUE_OPEN = asciiBytes(',"value":[');
const FIELD_OPEN_0 = int32At(FIELD_OPEN, 0);
const FIELD_OPEN_4 = int32At(FIELD_OPEN, 4);
const AFTER_NAME_0 = int32At(AFTER_NAME, 0);
const AFTER_NAME_4 = int32At(AFTER_NAME, 4);
const AFTER_NAME_8 = int32At(AFTER_NAME, 8);
const AFTER_NAME_11 = int32At(AFTER_NAME, 11);
const VALUE_OPEN_0 = int32At(VALUE_OPEN, 0);
const VALUE_OPEN_4 = int32At(VALUE_OPEN, 4);
const VALUE_OPEN_6 = int32At(VALUE_OPEN, 6);

/** Four bytes of a constant as a little-endian int32, to compare with a word of input. */
function int32At(word: Uint8Array, at: number): number {
  return new DataView(word.buffer, word.byteOffset).getInt32(at, true);
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k); // exact doubles

/**
 * One list-form entry in the canonical shape, read and written in one pass
 * with local cursors: true when done (p and o moved on). Anything else
 * (whitespace, other key order or keys, escapes, values that need more than
 * a plain literal) returns false having changed neither p nor o, and
 * listField, which takes every form, decides.
 */
function canonicalField(): boolean {
  const bb = b;
  const v = inView;
  const off = inOff;
  const end = e;
  let i = p;
  if (i + 38 > end || v.getInt32(off + i, true) !== FIELD_OPEN_0 || v.getInt32(off + i + 4, true) !== FIELD_OPEN_4 || bb[i + 8] !== C_QUOTE) return false;
  i += FIELD_OPEN.length;
  // Written as read: the field's key and length, the name's key and length, the name.
  const ob = out;
  let q = o;
  ob[q] = 0x52;
  const lenAt = q + 1;
  ob[q + 2] = 0x0a;
  const nameEnd = copyString(bb, i, end, q + 4);
  if (nameEnd < 0) return false;
  q = closeLengthAt(ob, q + 3, copyEnd);
  i = nameEnd;
  if (q > oMax || i + 21 > end || v.getInt32(off + i, true) !== AFTER_NAME_0 || v.getInt32(off + i + 4, true) !== AFTER_NAME_4 || v.getInt32(off + i + 8, true) !== AFTER_NAME_8 || v.getInt32(off + i + 11, true) !== AFTER_NAME_11) return false;
  i += AFTER_NAME.length;
  const type = bb[i] - 48;
  if (type !== T_STRING && type !== T_INTEGER && type !== T_DOUBLE && type !== T_BOOL) return false;
  i++;
  if (type !== T_STRING) {
    ob[q++] = 0x10;
    ob[q++] = type;
  }
  if (bb[i + 2] === 0x72) {
    if (i + REPRESENTATION_OPEN.length > end || !bytesAt(bb, i, REPRESENTATION_OPEN)) return false;
    i += REPRESENTATION_OPEN.length;
    ob[q] = 0x1a;
    const repEnd = copyString(bb, i, end, q + 2);
    if (repEnd < 0) return false;
    if (copyEnd > q + 2) q = closeLengthAt(ob, q + 1, copyEnd); // an empty one is not written
    i = repEnd + 1;
    if (q > oMax) return false;
  }
  if (i + VALUE_OPEN.length + 3 > end || v.getInt32(off + i, true) !== VALUE_OPEN_0 || v.getInt32(off + i + 4, true) !== VALUE_OPEN_4 || v.getInt32(off + i + 6, true) !== VALUE_OPEN_6) return false;
  i += VALUE_OPEN.length;

  // Values: strings one record each; numbers and booleans packed, rewritten
  // unpacked below when there is only one.
  const tagAt = q;
  const valuesAt = q + 2;
  if (type !== T_STRING) q += 2;
  let n = 0;
  for (;;) {
    if (n === MAX_VALUES || q > oMax || i >= end) return false;
    n++;
    let c = bb[i];
    if (type === T_STRING) {
      if (c !== C_QUOTE) return false;
      ob[q] = 0x22;
      const stop = copyString(bb, i + 1, end, q + 2);
      if (stop < 0) return false;
      q = closeLengthAt(ob, q + 1, copyEnd);
      i = stop + 1;
    } else if (type === T_BOOL) {
      if (c === 0x74 && i + 4 <= end && bb[i + 1] === 0x72 && bb[i + 2] === 0x75 && bb[i + 3] === 0x65) {
        ob[q++] = 1;
        i += 4;
      } else if (c === 0x66 && i + 5 <= end && bb[i + 1] === 0x61 && bb[i + 2] === 0x6c && bb[i + 3] === 0x73 && bb[i + 4] === 0x65) {
        ob[q++] = 0;
        i += 5;
      } else return false;
    } else {
      // -?(0|[1-9][0-9]*)(.[0-9]+)? with at most 15 digits in all: exact as
      // digits / 10^k (both exact doubles, one correctly rounded division),
      // which is what JSON.parse gives. Longer, exponents, strings: listField.
      const negative = c === 0x2d;
      if (negative) {
        if (++i >= end) return false;
        c = bb[i];
      }
      const first = i;
      let num = 0;
      if (c === 0x30) i++;
      else if (c >= 0x31 && c <= 0x39) {
        while (i < end && (c = bb[i]) >= 0x30 && c <= 0x39) {
          num = num * 10 + (c - 48);
          i++;
        }
      } else return false;
      let digits = i - first;
      let scale = 0;
      if (i < end && bb[i] === 0x2e) {
        if (type !== T_DOUBLE) return false;
        i++;
        const from = i;
        while (i < end && (c = bb[i]) >= 0x30 && c <= 0x39) {
          num = num * 10 + (c - 48);
          i++;
        }
        scale = i - from;
        if (scale === 0) return false;
        digits += scale;
      }
      if (digits > 15) return false;
      if (scale !== 0) num /= POW10[scale];
      if (negative) num = -num;
      if (type === T_INTEGER) q = putInt64(ob, q, num);
      else {
        outView.setFloat64(q, num, true);
        q += 8;
      }
    }
    if (i >= end) return false;
    c = bb[i++];
    if (c === C_RBRACKET) break;
    if (c !== C_COMMA) return false;
  }
  if (i >= end || bb[i] !== C_RBRACE) return false;
  i++;
  if (type !== T_STRING) {
    if (n === 1) {
      ob[tagAt] = type === T_INTEGER ? 0x30 : type === T_DOUBLE ? 0x39 : 0x40;
      ob.copyWithin(tagAt + 1, valuesAt, q);
      q--;
    } else {
      ob[tagAt] = type === T_INTEGER ? 0x32 : type === T_DOUBLE ? 0x3a : 0x42;
      q = closeLengthAt(ob, tagAt + 1, q);
    }
  }
  q = closeLengthAt(ob, lenAt, q);
  p = i;
  o = q;
  return true;
}

/** Set by copyString: where its copy ended. */
let copyEnd = 0;

/**
 * The content of the JSON string at i (just past its opening quote) decoded
 * into ob at q, checking JSON's rules (as scanString, and unescapeInto's
 * surrogate pairs; the UTF-8 is valid already): the index of its closing
 * quote, copyEnd where the copy ended; -1 for a bad or unterminated string.
 */
function copyString(bb: Uint8Array, i: number, end: number, q: number): number {
  // Four bytes at a time: each word is copied whole, and the cursors move up
  // to its first quote, backslash or control byte if it has one. The test is
  // exact for the first such byte (a borrow starts only at one), so the
  // lowest flagged byte is where to stop.
  const v = inView;
  const off = inOff;
  const ob = out;
  const ov = outView;
  while (i + 4 <= end) {
    const x = v.getInt32(off + i, true);
    const xq = x ^ 0x22222222;
    const xb = x ^ 0x5c5c5c5c;
    const special = (((xq - 0x01010101) & ~xq) | ((xb - 0x01010101) & ~xb) | ((x - 0x20202020) & ~x)) & 0x80808080;
    ov.setInt32(q, x, true);
    if (special === 0) {
      i += 4;
      q += 4;
      continue;
    }
    const k = (31 - Math.clz32(special & -special)) >> 3;
    i += k;
    q += k;
    const c = bb[i];
    if (c === C_QUOTE) {
      copyEnd = q;
      return i;
    }
    if (c !== C_BACKSLASH) return -1; // a raw control byte
    i = copyEscape(bb, i, end, ob, q);
    if (i < 0) return -1;
    q = copyEnd;
    i++;
  }
  // The last few bytes before end.
  for (; i < end; i++) {
    const c = bb[i];
    if (c === C_QUOTE) {
      copyEnd = q;
      return i;
    }
    if (c === C_BACKSLASH) {
      i = copyEscape(bb, i, end, ob, q);
      if (i < 0) return -1;
      q = copyEnd;
    } else if (c < 0x20) return -1;
    else ob[q++] = c;
  }
  return -1;
}

/**
 * The escape at i (a backslash) decoded into ob at q: the index of its last
 * byte, copyEnd where the copy ended; -1 for a bad escape or a lone surrogate
 * (no UTF-8 form).
 */
function copyEscape(bb: Uint8Array, i: number, end: number, ob: Uint8Array, q: number): number {
  if (i + 1 >= end) return -1;
  const x = bb[i + 1];
  switch (x) {
    case 0x22:
    case 0x5c:
    case 0x2f:
      ob[q] = x;
      break;
    case 0x62:
      ob[q] = 8;
      break;
    case 0x66:
      ob[q] = 12;
      break;
    case 0x6e:
      ob[q] = 10;
      break;
    case 0x72:
      ob[q] = 13;
      break;
    case 0x74:
      ob[q] = 9;
      break;
    case 0x75: {
      let cp = i + 6 <= end ? hex4At(bb, i + 2) : -1;
      if (cp < 0) return -1;
      i += 5;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        // Only a high surrogate followed by an escaped low one has a UTF-8 form.
        if (cp >= 0xdc00 || i + 7 > end || bb[i + 1] !== C_BACKSLASH || bb[i + 2] !== 0x75) return -1;
        const low = hex4At(bb, i + 3);
        if (low < 0xdc00 || low > 0xdfff) return -1;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i += 6;
      }
      copyEnd = putCodePoint(ob, q, cp);
      return i;
    }
    default:
      return -1;
  }
  copyEnd = q + 1;
  return i + 1;
}

/** Four hex digits at i as a number, -1 if they are not. */
function hex4At(bb: Uint8Array, i: number): number {
  const h0 = HEX[bb[i]];
  const h1 = HEX[bb[i + 1]];
  const h2 = HEX[bb[i + 2]];
  const h3 = HEX[bb[i + 3]];
  if ((h0 | h1 | h2 | h3) < 0) return -1;
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
}

function putCodePoint(ob: Uint8Array, q: number, cp: number): number {
  if (cp < 0x80) ob[q++] = cp;
  else if (cp < 0x800) {
    ob[q++] = 0xc0 | (cp >> 6);
    ob[q++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    ob[q++] = 0xe0 | (cp >> 12);
    ob[q++] = 0x80 | ((cp >> 6) & 0x3f);
    ob[q++] = 0x80 | (cp & 0x3f);
  } else {
    ob[q++] = 0xf0 | (cp >> 18);
    ob[q++] = 0x80 | ((cp >> 12) & 0x3f);
    ob[q++] = 0x80 | ((cp >> 6) & 0x3f);
    ob[q++] = 0x80 | (cp & 0x3f);
  }
  return q;
}

function bytesAt(bb: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (bb[at + k] !== word[k]) return false;
  return true;
}

/** Copy src[start, end) to ob at q; the new q. */
function putBytes(ob: Uint8Array, q: number, src: Uint8Array, start: number, end: number): number {
  for (let k = start; k < end; k++) ob[q++] = src[k];
  return q;
}

function putVarint(ob: Uint8Array, q: number, v: number): number {
  while (v >= 0x80) {
    ob[q++] = (v & 0x7f) | 0x80;
    v = v >>> 7;
  }
  ob[q++] = v;
  return q;
}

/** A safe integer as an int64 varint (negative: ten bytes, two's complement); the new q. */
function putInt64(ob: Uint8Array, q: number, v: number): number {
  if (v >= 0 && v < 0x80000000) return putVarint(ob, q, v); // -0 too, written as 0
  const h = Math.floor(v / 4294967296);
  let lo = v - h * 4294967296;
  let hi = h >>> 0;
  while (hi !== 0 || lo >= 0x80) {
    ob[q++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  ob[q++] = lo;
  return q;
}

/** closeLength with explicit cursors: fill in the one byte reserved at lenAt (widening it when needed); the new q. */
function closeLengthAt(ob: Uint8Array, lenAt: number, q: number): number {
  const len = q - lenAt - 1;
  if (len < 0x80) {
    ob[lenAt] = len;
    return q;
  }
  const extra = len < 0x4000 ? 1 : len < 0x200000 ? 2 : 3;
  ob.copyWithin(lenAt + 1 + extra, lenAt + 1, q);
  return putVarint(ob, lenAt, len) + len;
}

const K_NAME = 1;
const K_VALUE_TYPE = 2;
const K_REPRESENTATION = 4;
const K_VALUE = 8;
const NAME_KEY = asciiBytes('name');
const VALUE_KEY = asciiBytes('value');
const VALUE_TYPE_KEY = asciiBytes('value_type');
const REPRESENTATION_KEY = asciiBytes('representation');

function entryKey(): number {
  const start = p;
  const end = scanString();
  if (escaped) bail();
  switch (end - start) {
    case 4:
      return sameBytes(NAME_KEY, start) ? K_NAME : 0;
    case 5:
      return sameBytes(VALUE_KEY, start) ? K_VALUE : 0;
    case 10:
      return sameBytes(VALUE_TYPE_KEY, start) ? K_VALUE_TYPE : 0;
    case 14:
      return sameBytes(REPRESENTATION_KEY, start) ? K_REPRESENTATION : 0;
    default:
      return 0;
  }
}

const TYPE_NAMES: readonly Uint8Array[] = ['string', 'bytes', 'integer', 'double', 'bool'].map(asciiBytes);

/** value_type: 0-4 written plainly, or a type name in any ASCII case; BYTES and the rest go to the reference path. */
function readValueType(): number {
  let t = -1;
  if (peek() === C_QUOTE) {
    p++;
    const start = p;
    const end = scanString();
    if (escaped) bail();
    for (let i = 0; i < TYPE_NAMES.length; i++) {
      if (TYPE_NAMES[i].length === end - start && sameBytesIgnoringCase(TYPE_NAMES[i], start)) t = i;
    }
  } else {
    scanNumber();
    if (numPlain && numValue >= 0 && numValue <= 4 && !Object.is(numValue, -0)) t = numValue;
  }
  if (t === -1 || t === 1) bail();
  return t;
}

/** Scan one value or an array of values (at p) into the val* arrays; non-scalar elements bail. */
function scanValues(): void {
  valCount = 0;
  if (peek() !== C_LBRACKET) {
    scanScalar();
    return;
  }
  p++;
  skipWs();
  if (peek() === C_RBRACKET) bail(); // an empty array: the reference path's error
  for (;;) {
    scanScalar();
    skipWs();
    const d = take();
    if (d === C_RBRACKET) return;
    if (d !== C_COMMA) bail();
    skipWs();
  }
}

function scanScalar(): void {
  if (valCount === MAX_VALUES) bail();
  const i = valCount++;
  const c = peek();
  if (c === C_QUOTE) {
    p++;
    valKind[i] = K_STRING;
    valStart[i] = p;
    valEnd[i] = scanString();
    valEscaped[i] = escaped ? 1 : 0;
  } else if (c === 0x74) {
    literal(TRUE);
    valKind[i] = K_TRUE;
  } else if (c === 0x66) {
    literal(FALSE);
    valKind[i] = K_FALSE;
  } else {
    valStart[i] = p;
    scanNumber(); // anything else (null, objects, arrays) bails here
    valEnd[i] = p;
    valKind[i] = K_NUMBER;
    valNumber[i] = numPlain ? numValue : NaN;
  }
}

/** The value of number i (parsing its literal when it is not a plain short integer). */
function numberAt(i: number): number {
  let v = valNumber[i];
  if (v !== v) {
    v = Number(latin1(valStart[i], valEnd[i])); // the same rounding as JSON.parse
    valNumber[i] = v;
  }
  return v;
}

const INT64_BOUND = 9223372036854775808; // 2^63

/** The type the reference path infers: all strings, all booleans, or all numbers (INTEGER when all int64 integers). */
function inferType(): number {
  const k = valKind[0];
  if (k === K_TRUE || k === K_FALSE) {
    for (let i = 1; i < valCount; i++) if (valKind[i] !== K_TRUE && valKind[i] !== K_FALSE) bail();
    return T_BOOL;
  }
  for (let i = 1; i < valCount; i++) if (valKind[i] !== k) bail(); // mixed kinds: the reference path's error
  if (k === K_STRING) return T_STRING;
  let integers = true;
  for (let i = 0; i < valCount; i++) {
    const v = numberAt(i);
    if (!Number.isInteger(v) || v < -INT64_BOUND || v >= INT64_BOUND) integers = false;
  }
  if (!integers) return T_DOUBLE;
  // INTEGER beyond 2^53 becomes a bigint there: leave those to it.
  for (let i = 0; i < valCount; i++) if (!Number.isSafeInteger(valNumber[i])) bail();
  return T_INTEGER;
}

/** Bail unless every value fits the declared type (conversions as the reference path does them). */
function checkType(type: number): void {
  for (let i = 0; i < valCount; i++) {
    const k = valKind[i];
    switch (type) {
      case T_STRING:
        if (k !== K_STRING) bail();
        break;
      case T_INTEGER:
        if (k === K_NUMBER) {
          if (!Number.isSafeInteger(numberAt(i))) bail();
        } else if (k !== K_STRING || valEscaped[i] === 1 || !digitStringInt64(valStart[i], valEnd[i])) bail();
        break;
      case T_DOUBLE:
        if (k === K_NUMBER) numberAt(i);
        else if (k !== K_STRING || valEscaped[i] === 1 || specialDouble(valStart[i], valEnd[i]) === 0) bail();
        break;
      default: // T_BOOL
        if (k !== K_TRUE && k !== K_FALSE) bail();
    }
  }
}

const NAN_BYTES = asciiBytes('NaN');
const INF_BYTES = asciiBytes('Infinity');
const NEG_INF_BYTES = asciiBytes('-Infinity');
const NEG_ZERO_BYTES = asciiBytes('-0');

const SPECIAL_DOUBLES = [0, NaN, Infinity, -Infinity, -0];

/** Which DOUBLE string this is: 1-4 for "NaN", "Infinity", "-Infinity", "-0" (see SPECIAL_DOUBLES), 0 for any other. */
function specialDouble(start: number, end: number): number {
  const len = end - start;
  if (len === 3 && sameBytes(NAN_BYTES, start)) return 1;
  if (len === 8 && sameBytes(INF_BYTES, start)) return 2;
  if (len === 9 && sameBytes(NEG_INF_BYTES, start)) return 3;
  if (len === 2 && sameBytes(NEG_ZERO_BYTES, start)) return 4;
  return 0;
}

function writeValues(type: number): void {
  const n = valCount;
  switch (type) {
    case T_STRING:
      for (let i = 0; i < n; i++) writeJsonString(0x22, valStart[i], valEnd[i], valEscaped[i] === 1);
      return;
    case T_INTEGER: {
      let lenAt = -1;
      if (n === 1) out[o++] = 0x30;
      else {
        out[o++] = 0x32;
        lenAt = o++;
      }
      for (let i = 0; i < n; i++) {
        if (valKind[i] === K_NUMBER) writeInt64Number(valNumber[i]);
        else {
          digitStringInt64(valStart[i], valEnd[i]);
          writeVarint64(intHi, intLo);
        }
        if (o > oMax) bail();
      }
      if (lenAt !== -1) closeLength(lenAt);
      return;
    }
    case T_DOUBLE:
      if (n === 1) out[o++] = 0x39;
      else {
        out[o++] = 0x3a;
        writeVarint(n * 8);
      }
      if (o + n * 8 > oMax) bail();
      for (let i = 0; i < n; i++) {
        const v = valKind[i] === K_NUMBER ? valNumber[i] : SPECIAL_DOUBLES[specialDouble(valStart[i], valEnd[i])];
        outView.setFloat64(o, v, true);
        o += 8;
      }
      return;
    default: // T_BOOL
      if (n === 1) out[o++] = 0x40;
      else {
        out[o++] = 0x42;
        writeVarint(n);
      }
      if (o + n > oMax) bail();
      for (let i = 0; i < n; i++) out[o++] = valKind[i] === K_TRUE ? 1 : 0;
  }
}

/** A canonical array index ("0", "17"): for-in visits those keys first, out of JSON order. */
function isArrayIndex(start: number, end: number): boolean {
  const len = end - start;
  if (len === 0 || len > 10) return false;
  if (b[start] === 0x30) return len === 1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  return v < 4294967295;
}

// ---------------------------------------------------------------- integers

// The last integer parsed, as two's-complement uint32 halves.
let intHi = 0;
let intLo = 0;

/** bytes[start, end) matches /^-?\d+$/ and is within int64: its value into intHi/intLo. */
function digitStringInt64(start: number, end: number): boolean {
  let i = start;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  if (i >= end) return false;
  // Up to 15 digits in a double (exact), the rest in 32-bit halves.
  const bb = b;
  const exactEnd = Math.min(end, i + 15);
  let v = 0;
  for (; i < exactEnd; i++) {
    const d = bb[i] - 48;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
  }
  let hi = Math.floor(v / 4294967296);
  let lo = v - hi * 4294967296;
  for (; i < end; i++) {
    const d = bb[i] - 48;
    if (d < 0 || d > 9) return false;
    const low = lo * 10 + d; // < 2^36: exact
    const carry = Math.floor(low / 4294967296);
    lo = low - carry * 4294967296;
    hi = hi * 10 + carry;
    if (hi >= 4294967296) return false; // beyond 2^64
  }
  // int64: magnitude below 2^63, or exactly 2^63 when negative.
  if (hi >= 0x80000000 && !(negative && hi === 0x80000000 && lo === 0)) return false;
  if (negative && (hi !== 0 || lo !== 0)) {
    // Two's complement of the magnitude.
    if (lo === 0) hi = (4294967296 - hi) % 4294967296;
    else {
      lo = 4294967296 - lo;
      hi = 4294967295 - hi;
    }
  }
  intHi = hi;
  intLo = lo;
  return true;
}

/** A safe integer's two's-complement halves into intHi/intLo. */
function setNumberHalves(v: number): void {
  const h = Math.floor(v / 4294967296);
  intLo = v - h * 4294967296;
  intHi = h >>> 0;
}

function writeInt64Number(v: number): void {
  if (v >= 0 && v < 0x80) {
    out[o++] = v; // includes -0, written as 0
    return;
  }
  setNumberHalves(v);
  writeVarint64(intHi, intLo);
}

function writeVarint64(hi: number, lo: number): void {
  while (hi !== 0 || lo >= 0x80) {
    out[o++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  out[o++] = lo;
}

function writeVarint(v: number): void {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v = v >>> 7;
  }
  out[o++] = v;
}

/** Fill in the one-byte length reserved at lenAt, widening it if the body grew past 127 bytes. */
function closeLength(lenAt: number): void {
  const len = o - lenAt - 1;
  if (len < 0x80) {
    out[lenAt] = len;
    return;
  }
  const extra = len < 0x4000 ? 1 : len < 0x200000 ? 2 : 3;
  out.copyWithin(lenAt + 1 + extra, lenAt + 1, o);
  o = lenAt;
  writeVarint(len);
  o += len;
}

// ---------------------------------------------------------------- strings

/**
 * After an opening quote: the index of the closing quote, with p just past
 * it; `escaped` says whether a backslash escape occurred. Checks JSON's rules
 * (no raw control characters, valid escapes); the UTF-8 is valid already.
 */
function scanString(): number {
  escaped = false;
  const bb = b;
  const stop = e;
  let i = p;
  for (;;) {
    if (i >= stop) bail();
    const c = bb[i];
    if (c === C_QUOTE) break;
    if (c === C_BACKSLASH) {
      escaped = true;
      const x = bb[i + 1];
      if (x === 0x75) {
        if (i + 6 > stop) bail();
        for (let k = i + 2; k < i + 6; k++) if (hexDigit(bb[k]) < 0) bail();
        i += 6;
      } else if (x === 0x22 || x === 0x5c || x === 0x2f || x === 0x62 || x === 0x66 || x === 0x6e || x === 0x72 || x === 0x74) {
        i += 2;
      } else bail();
    } else if (c < 0x20) bail();
    else i++;
  }
  p = i + 1;
  return i;
}

/** Key, varint length, then the string bytes[start, end) (JSON string content) as UTF-8. */
function writeJsonString(key: number, start: number, end: number, hasEscapes: boolean): void {
  const len = end - start;
  if (o + len + 6 > oMax + 64) bail();
  const ob = out;
  ob[o++] = key;
  if (!hasEscapes) {
    const q = putVarint(ob, o, len);
    if (len < 64) o = putBytes(ob, q, b, start, end);
    else {
      ob.set(b.subarray(start, end), q);
      o = q + len;
    }
    return;
  }
  const lenAt = o++;
  unescapeInto(start, end);
  closeLength(lenAt);
}

/** Copy bytes[start, end) decoding escapes; a lone surrogate (no UTF-8 form) bails. */
function unescapeInto(start: number, end: number): void {
  const bb = b;
  const ob = out;
  let q = o;
  let i = start;
  while (i < end) {
    const c = bb[i];
    if (c !== C_BACKSLASH) {
      ob[q++] = c;
      i++;
      continue;
    }
    const x = bb[i + 1];
    i += 2;
    switch (x) {
      case 0x62:
        ob[q++] = 8;
        break;
      case 0x66:
        ob[q++] = 12;
        break;
      case 0x6e:
        ob[q++] = 10;
        break;
      case 0x72:
        ob[q++] = 13;
        break;
      case 0x74:
        ob[q++] = 9;
        break;
      case 0x75: {
        let cp = hex4At(bb, i);
        i += 4;
        if (cp >= 0xd800 && cp <= 0xdfff) {
          if (cp >= 0xdc00 || bb[i] !== C_BACKSLASH || bb[i + 1] !== 0x75) bail();
          const low = hex4At(bb, i + 2);
          if (low < 0xdc00 || low > 0xdfff) bail();
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        }
        q = putCodePoint(ob, q, cp);
        break;
      }
      default: // " \ /
        ob[q++] = x;
    }
  }
  o = q;
}

function latin1(start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

// ---------------------------------------------------------------- JSON syntax

function skipWs(): void {
  const bb = b;
  let i = p;
  while (i < e) {
    const c = bb[i];
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) i++;
    else break;
  }
  p = i;
}

/** The byte at p, -1 at the end. */
function peek(): number {
  return p < e ? b[p] : -1;
}

/** The byte at p, consumed; -1 at the end. */
function take(): number {
  return p < e ? b[p++] : -1;
}

function expect(c: number): void {
  if (p >= e || b[p] !== c) bail();
  p++;
}

const TRUE = asciiBytes('true');
const FALSE = asciiBytes('false');
const NULL = asciiBytes('null');

function literal(word: Uint8Array): void {
  if (p + word.length > e || !sameBytes(word, p)) bail();
  p += word.length;
}

/** At a null literal: skip it and say so. */
function isNull(): boolean {
  if (peek() !== 0x6e) return false;
  literal(NULL);
  return true;
}

// Set by scanNumber.
let numPlain = false;
let numValue = 0;

/**
 * A JSON number at p (RFC 8259 grammar, else bail). numPlain: an integer
 * literal of at most 15 digits, exactly numValue (-0 for "-0").
 */
function scanNumber(): void {
  const bb = b;
  let i = p;
  const negative = bb[i] === 0x2d;
  if (negative) i++;
  const first = i;
  let v = 0;
  if (i >= e) bail();
  let c = bb[i];
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    while (i < e && (c = bb[i]) >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 48);
      i++;
    }
  } else bail();
  const digits = i - first;
  let plain = digits <= 15;
  if (i < e && bb[i] === 0x2e) {
    plain = false;
    i++;
    const from = i;
    while (i < e && (c = bb[i]) >= 0x30 && c <= 0x39) i++;
    if (i === from) bail();
  }
  if (i < e && (bb[i] === 0x65 || bb[i] === 0x45)) {
    plain = false;
    i++;
    if (i < e && (bb[i] === 0x2b || bb[i] === 0x2d)) i++;
    const from = i;
    while (i < e && (c = bb[i]) >= 0x30 && c <= 0x39) i++;
    if (i === from) bail();
  }
  p = i;
  numPlain = plain;
  numValue = negative ? -v : v;
}

/** Skip (and check) any JSON value; too deep bails. */
function skipValue(depth: number): void {
  if (depth > MAX_DEPTH || p >= e) bail();
  const c = b[p];
  if (c === C_QUOTE) {
    p++;
    scanString();
  } else if (c === C_LBRACE) {
    p++;
    skipWs();
    if (peek() === C_RBRACE) {
      p++;
      return;
    }
    for (;;) {
      expect(C_QUOTE);
      scanString();
      skipWs();
      expect(C_COLON);
      skipWs();
      skipValue(depth + 1);
      skipWs();
      const d = take();
      if (d === C_RBRACE) return;
      if (d !== C_COMMA) bail();
      skipWs();
    }
  } else if (c === C_LBRACKET) {
    p++;
    skipWs();
    if (peek() === C_RBRACKET) {
      p++;
      return;
    }
    for (;;) {
      skipValue(depth + 1);
      skipWs();
      const d = take();
      if (d === C_RBRACKET) return;
      if (d !== C_COMMA) bail();
      skipWs();
    }
  } else if (c === 0x74) literal(TRUE);
  else if (c === 0x66) literal(FALSE);
  else if (c === 0x6e) literal(NULL);
  else scanNumber();
}

// ---------------------------------------------------------------- bytes

function asciiBytes(s: string): Uint8Array {
  const u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

function sameBytes(word: Uint8Array, at: number): boolean {
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word[i]) return false;
  return true;
}

/** ASCII case-insensitive: `lower` is lower case. */
function sameBytesIgnoringCase(lower: Uint8Array, at: number): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = b[at + i];
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c !== lower[i]) return false;
  }
  return true;
}

function sameSpan(s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}
