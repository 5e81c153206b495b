/**
 * A Heka message read in place from its protobuf: one pass over the record
 * checks it and notes where each header and field lies; a value is decoded
 * only when something reads it. The analysis loop reads one or two headers
 * and fields per message (the matcher's keys, the plugin's read_message
 * columns) out of a dozen, and decoding everything up front was half its time.
 *
 * Two scans: scanCommon, fast, for the layout every writer uses (one-byte
 * keys, lengths of one or two bytes, each field's name first, then its
 * value_type, representation and values), which never rejects a record but
 * hands anything else to scan (the general one).
 *
 * Exactness, by construction:
 * - The scans accept a record only when decodeMessage would (every length,
 *   wire type, varint, UTF-8 string, value_type and Uuid is checked the same
 *   way). Anything the general scan does not handle itself (unknown tags,
 *   keys longer than one byte, anything it would reject) goes to
 *   decodeMessage, whose result, or MessageError, is the answer. So a bad
 *   record fails exactly as it did.
 * - A LazyMessage is a Message: headers are getters giving what decodeMessage
 *   gives (absent ones undefined), `fields` decodes the whole record once, and
 *   readMessageField() reads one value in place with readField's semantics;
 *   headerEquals() compares a string header with a literal's UTF-8 in place.
 *
 * A LazyMessage keeps a view of the bytes it was read from: the caller must
 * not change them while the message is in use.
 */
import { ByteLiteral, literalAt, utf8Literal } from './byte-literal';
import { readField, type StringHeaderName } from './fields';
import { MAX_MESSAGE_SIZE, ValueType, type Field, type FieldValue, type Message } from './message';
import { decodeMessage } from './protobuf';
import { cachedAsciiString as importedCachedAsciiString, nodeBuffer, STRING_CACHE_MAX_LENGTH, utf8Decoder } from './string-cache';
import { orRange as importedOrRange, validUtf8 as importedValidUtf8, validUtf8Run as importedValidUtf8Run } from './utf8';

// Module-local copies: imported bindings can compile to getter calls on hot paths (see protobuf.ts).
const cachedAsciiString = importedCachedAsciiString;
const orRange = importedOrRange;
const validUtf8 = importedValidUtf8;
const validUtf8Run = importedValidUtf8Run;

// Per message, in the arena: one slot per header, where its value starts in
// the record (the Uuid's 16 bytes, a varint, or a string's length; -1 when
// absent), then FIELD_INTS per field. Keeping them out of the object keeps the
// object small; keeping only positions (lengths are read again from the
// record) keeps the arena small, and its writes few.
const H_UUID = 0;
const H_TIMESTAMP = 1;
const H_TYPE = 2;
const H_LOGGER = 3;
const H_SEVERITY = 4;
const H_PAYLOAD = 5;
const H_ENV_VERSION = 6;
const H_PID = 7;
const H_HOSTNAME = 8;
const HEADER_INTS = 9;
// The header slot of each one-byte protobuf key the scans take as a header (both scans use it).
const SLOT_OF_KEY = new Int8Array(0x50).fill(-1);
SLOT_OF_KEY[0x0a] = H_UUID;
SLOT_OF_KEY[0x10] = H_TIMESTAMP;
SLOT_OF_KEY[0x1a] = H_TYPE;
SLOT_OF_KEY[0x22] = H_LOGGER;
SLOT_OF_KEY[0x28] = H_SEVERITY;
SLOT_OF_KEY[0x32] = H_PAYLOAD;
SLOT_OF_KEY[0x3a] = H_ENV_VERSION;
SLOT_OF_KEY[0x40] = H_PID;
SLOT_OF_KEY[0x4a] = H_HOSTNAME;
// The bits of every header slot (scanCommon's `seen`: the slots it wrote).
const ALL_HEADER_SLOTS = (1 << HEADER_INTS) - 1;
// A field: where its body starts, and where it ends. The body start is stored
// as is when the field's only name is its first entry, with a one-byte length
// (the name is then at body + 2, its length at body + 1: how every writer
// lays fields out), else as ~body (the name is looked for: nameOf).
const F_BODY = 0;
const F_END = 1;
const FIELD_INTS = 2;
/** Where a field's body starts, from its F_BODY slot. */
const bodyOf = (stored: number): number => (stored >= 0 ? stored : ~stored);
// A field takes at least 4 bytes (key, length, name key, name length), so a
// record of n bytes needs at most HEADER_INTS + n / 4 * FIELD_INTS slots.
const ARENA_INTS = HEADER_INTS + (MAX_MESSAGE_SIZE / 4) * FIELD_INTS + 64 * 1024;

const MAX_SIZE = MAX_MESSAGE_SIZE;
const T_STRING: ValueType = ValueType.STRING;
const T_BYTES: ValueType = ValueType.BYTES;
const T_INTEGER: ValueType = ValueType.INTEGER;
const T_DOUBLE: ValueType = ValueType.DOUBLE;
const T_BOOL: ValueType = ValueType.BOOL;
// Which value type each value tag (4..8) carries.
const TAG_TYPE = [-1, -1, -1, -1, T_STRING, T_BYTES, T_INTEGER, T_DOUBLE, T_BOOL];

// Messages share arena chunks; a full chunk is left to the messages using it.
let arena = new Int32Array(ARENA_INTS);
let arenaUsed = 0;

/**
 * Read one message from bytes[start, end): a LazyMessage when the fast scan
 * accepts it, else decodeMessage's result. Throws MessageError exactly when
 * decodeMessage(bytes.subarray(start, end)) does.
 */
export function readMessageLazily(bytes: Uint8Array, start = 0, end = bytes.length): Message {
  if (end - start <= MAX_SIZE) {
    if (arenaUsed + HEADER_INTS + ((end - start) >> 2) * FIELD_INTS > arena.length) {
      arena = new Int32Array(ARENA_INTS);
      arenaUsed = 0;
    }
    // Records are read through one view of their whole buffer, made once per
    // buffer: records handed over as separate subarrays of one chunk (a file
    // chunk, a transcoder arena, a worker batch) then share it, and no
    // DataView or word view is made per record. .buffer and .byteOffset are
    // calls, read once per view.
    if (bytes !== lastView) {
      lastView = bytes;
      viewStart = bytes.byteOffset;
      const buffer = bytes.buffer;
      if (buffer !== wordsOf) {
        wordsOf = buffer;
        whole = new Uint8Array(buffer);
        words = new Int32Array(buffer, 0, buffer.byteLength >> 2);
        dataView = new DataView(buffer);
      }
    }
    const s = start + viewStart;
    const e = end + viewStart;
    let m = scanCommon(whole, s, e, 0);
    if (m !== undefined) return m;
    generalScans++;
    m = scan(whole, s, e);
    if (m !== undefined) return m;
  }
  return decodeMessage(bytes.subarray(start, end));
}

// Records the fast scan left to the general one.
let generalScans = 0;

/** How many records readMessageLazily has read other than through its fast scan of the common layout (for tests and benchmarks). */
export function generalScanCount(): number {
  return generalScans;
}

/**
 * `Fields[name][fi][ai]` of any Message, as fields.ts readField gives it; a
 * LazyMessage is read in place without decoding its other fields.
 */
export function readMessageField(m: Message, name: string, fi = 0, ai = 0): FieldValue | undefined {
  return (m as Partial<LazyMessage>).readInPlace === true ? (m as LazyMessage).readField(name, fi, ai) : readField(m, name, fi, ai);
}

/** A message's Timestamp in whole milliseconds, truncated toward zero (Number(timestamp / 1_000_000n)); no BigInt for one read in place. */
export function timestampMillis(m: Message): number {
  return (m as Partial<LazyMessage>).readInPlace === true ? (m as LazyMessage).timestampMillis() : Number(m.timestamp / 1_000_000n);
}

/** The string headers a LazyMessage compares in place (headerEquals), and the slot naming each. */
export const STRING_HEADER_SLOTS: Readonly<Record<StringHeaderName, number>> = {
  Type: H_TYPE,
  Logger: H_LOGGER,
  Hostname: H_HOSTNAME,
  EnvVersion: H_ENV_VERSION,
  Payload: H_PAYLOAD,
};

export class LazyMessage implements Message {
  // Every property is set in the constructor, in this order (`declare`: no
  // class-field definitions ahead of it), so V8 lays out first, in the
  // object's first cache line, what every read uses, and knows from the
  // first store that the positions are small integers.
  private declare readonly buf: Uint8Array;
  /** The same bytes as `buf`, for comparing literals a word at a time. */
  private declare readonly view: DataView;
  private declare readonly arena: Int32Array;
  private declare readonly at: number;
  private declare readonly fieldCount: number;
  private declare readonly start: number;
  private declare readonly end: number;
  /** A marker hot paths test instead of instanceof (a property miss on a decoded message is cheaper than a prototype walk). */
  declare readonly readInPlace: true;
  private declare uuidCopy: Uint8Array | undefined;
  // String headers once read (null: not yet): the matcher index reads a key
  // header, then the matcher it selects reads it again.
  private declare typeText: string | undefined | null;
  private declare loggerText: string | undefined | null;
  private declare hostnameText: string | undefined | null;
  private declare payloadText: string | undefined | null;
  private declare decoded: Message | undefined;

  /** Made by readMessageLazily only: `at` is where the scan wrote this record's positions in `arena`. */
  constructor(buf: Uint8Array, view: DataView, start: number, end: number, arena: Int32Array, at: number, fieldCount: number) {
    this.buf = buf;
    this.view = view;
    this.arena = arena;
    this.at = at;
    this.fieldCount = fieldCount;
    this.start = start;
    this.end = end;
    this.readInPlace = true;
    this.uuidCopy = undefined;
    this.typeText = null;
    this.loggerText = null;
    this.hostnameText = null;
    this.payloadText = null;
    this.decoded = undefined;
  }

  get uuid(): Uint8Array {
    if (this.uuidCopy === undefined) {
      const p = this.arena[this.at + H_UUID];
      this.uuidCopy = Uint8Array.prototype.slice.call(this.buf, p, p + 16);
    }
    return this.uuidCopy;
  }

  get timestamp(): bigint {
    readVarintAt(this.buf, this.arena[this.at + H_TIMESTAMP]);
    return int64BigInt();
  }

  /**
   * The Timestamp in whole milliseconds, truncated toward zero: exactly
   * Number(timestamp / 1_000_000n), without making a BigInt (a ticker reads
   * it per message).
   */
  timestampMillis(): number {
    readVarintAt(this.buf, this.arena[this.at + H_TIMESTAMP]);
    return millisOfVarint();
  }

  /**
   * The Timestamp as a double, exactly Number(timestamp) (one rounding of the
   * exact sum of two exact doubles, as Number rounds a BigInt), without making
   * a BigInt: read_message("Timestamp") per message.
   */
  timestampNumber(): number {
    readVarintAt(this.buf, this.arena[this.at + H_TIMESTAMP]);
    return (hi < 0x80000000 ? hi : hi - 4294967296) * 4294967296 + lo;
  }

  get type(): string | undefined {
    if (this.typeText === null) this.typeText = this.header(H_TYPE);
    return this.typeText;
  }

  get logger(): string | undefined {
    if (this.loggerText === null) this.loggerText = this.header(H_LOGGER);
    return this.loggerText;
  }

  get severity(): number | undefined {
    return this.integerHeader(H_SEVERITY);
  }

  get payload(): string | undefined {
    if (this.payloadText === null) this.payloadText = this.header(H_PAYLOAD);
    return this.payloadText;
  }

  get envVersion(): string | undefined {
    return this.header(H_ENV_VERSION);
  }

  get pid(): number | undefined {
    return this.integerHeader(H_PID);
  }

  get hostname(): string | undefined {
    if (this.hostnameText === null) this.hostnameText = this.header(H_HOSTNAME);
    return this.hostnameText;
  }

  /** Every field, decoded once (the whole record is decoded for it). */
  get fields(): Field[] {
    return this.message().fields;
  }

  /** The record's bytes (a view, not a copy). */
  get bytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  /** The message as decodeMessage gives it, decoded once. */
  message(): Message {
    if (this.decoded === undefined) this.decoded = decodeMessage(this.bytes);
    return this.decoded;
  }

  /** `Fields[name][fi][ai]`, decoded in place; readField's semantics. */
  readField(name: string, fi = 0, ai = 0): FieldValue | undefined {
    const p = this.findField(name, fi);
    return p < 0 ? undefined : fieldValue(this.buf, this.arena[p + F_BODY], this.arena[p + F_END], ai);
  }

  /**
   * Whether `Fields[name][0][0]` is a string whose UTF-8 is `utf8` or a BYTES
   * value equal to `bytes`: what `v === literal || (v is BYTES && v equals the
   * literal's bytes)` answers for readField's v, compared in the record
   * without decoding the value. `utf8` is the literal's encoding when it is
   * well formed, else undefined (a lone surrogate: no string value equals it).
   */
  fieldEquals(name: string, utf8: ByteLiteral | undefined, bytes: ByteLiteral): boolean {
    const p = this.findField(name, 0);
    if (p < 0) return false;
    const b = this.buf;
    const key = firstValue(b, this.arena[p + F_BODY], this.arena[p + F_END]);
    const want = key === 0x22 ? utf8 : key === 0x2a ? bytes : undefined;
    return want !== undefined && want.length === valueLength && literalAt(this.view, b, valueAt, want);
  }

  /** The arena index of the fi-th field named `name` (bodyOf its F_BODY is where its body starts), -1 when there is none. */
  private findField(name: string, fi: number): number {
    const want = nameLiteral(name);
    const wantLen = want.length;
    const a = this.arena;
    const b = this.buf;
    const view = this.view;
    for (let p = this.at + HEADER_INTS, stop = p + this.fieldCount * FIELD_INTS; p < stop; p += FIELD_INTS) {
      const body = a[p + F_BODY];
      if (body >= 0 ? b[body + 1] === wantLen && literalAt(view, b, body + 2, want) : nameIsAt(view, b, ~body, a[p + F_END], want)) {
        if (fi === 0) return p;
        fi--;
      }
    }
    return -1;
  }

  /**
   * Whether the string header in `slot` (STRING_HEADER_SLOTS) is present and
   * its UTF-8 bytes are `utf8`: `m.type === literal` without making the
   * string, when `utf8` is a well-formed literal's encoding (a lone surrogate
   * never equals a decoded header; its encoding, U+FFFD's, might).
   */
  headerEquals(slot: number, utf8: ByteLiteral): boolean {
    const len = this.headerLength(slot);
    return len === utf8.length && literalAt(this.view, this.buf, textAt, utf8);
  }

  /** Whether the string header in `slot` is present and its UTF-8 bytes start with `prefix`'s. */
  headerStartsWith(slot: number, prefix: ByteLiteral): boolean {
    const len = this.headerLength(slot);
    return len >= prefix.length && literalAt(this.view, this.buf, textAt, prefix);
  }

  /**
   * The index in `literals` of the one whose bytes the string header in
   * `slot` has, -1 for none (or an absent header): a lookup among a few
   * literals without making the header's string.
   */
  headerIndexIn(slot: number, literals: readonly ByteLiteral[]): number {
    const len = this.headerLength(slot);
    if (len < 0) return -1;
    const b = this.buf;
    const p = textAt;
    for (let i = 0; i < literals.length; i++) {
      const lit = literals[i];
      if (lit.length === len && literalAt(this.view, b, p, lit)) return i;
    }
    return -1;
  }

  private header(slot: number): string | undefined {
    const len = this.headerLength(slot);
    if (len < 0) return undefined;
    buf = this.buf;
    const s = decodeString(textAt, len);
    buf = EMPTY;
    return s;
  }

  /** The byte length of the string header in `slot`, -1 when absent; where its text starts goes to textAt. */
  private headerLength(slot: number): number {
    const p = this.arena[this.at + slot];
    if (p < 0) return -1;
    const len = this.buf[p];
    if (len < 0x80) {
      textAt = p + 1;
      return len;
    }
    buf = this.buf;
    pos = p;
    const long = readLength(this.end);
    textAt = pos;
    buf = EMPTY;
    return long;
  }

  private integerHeader(slot: number): number | undefined {
    const p = this.arena[this.at + slot];
    if (p < 0) return undefined;
    readVarintAt(this.buf, p);
    return Number(int64Value());
  }
}

// ---------------------------------------------------------------- the scan

const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let pos = 0;
// The last varint read, as two unsigned 32-bit halves.
let lo = 0;
let hi = 0;

/**
 * The record as a LazyMessage, or undefined when decodeMessage must decide.
 *
 * Strings must be valid UTF-8. Checking each string on its own costs a loop
 * per string; instead the scan checks runs: every byte from one binary item
 * (Uuid, a varint of several bytes, a double, BYTES, a long length) to the
 * next is a key, a one-byte length or varint, or string text, all below 0x80
 * when the strings are ASCII, so one word-at-a-time test per run proves them
 * valid. A run with a byte of 0x80 or more (text beyond ASCII, or an unusual
 * encoding) sends the record through the scan again, checking each string
 * (straight away when scanCommon already found such a run).
 */
function scan(bytes: Uint8Array, start: number, end: number): LazyMessage | undefined {
  buf = bytes;
  try {
    checkEach = commonRunFailed;
    let m = scanRecord(bytes, start, end);
    if (m === undefined && runFailed) {
      checkEach = true;
      m = scanRecord(bytes, start, end);
    }
    return m;
  } finally {
    buf = EMPTY; // do not keep the caller's buffer alive
  }
}

/**
 * The common layout, fast: what encodeMessage and lua_sandbox write. Keys of
 * one byte, lengths of at most two bytes, and each field as name, then an
 * optional value_type, an optional representation, then unpacked values of
 * that type. Anything else (or invalid UTF-8: commonRunFailed) gives
 * undefined and scan() decides, so this never rejects a record: it accepts
 * one only when every check the general scan makes has passed.
 *
 * Text is checked in runs as in scanRecord (isText). Here every byte of a run
 * that is not string text (a key, a one-byte length or varint, a value_type)
 * is below 0x80, and UTF-8 sequences cannot span such a byte, so a run is
 * valid UTF-8 exactly when each of its strings is.
 */
function scanCommon(b: Uint8Array, start: number, end: number, off: number): LazyMessage | undefined {
  const a = arena;
  const at = arenaUsed;
  const w32 = words;
  commonRunFailed = false;
  let seen = 0; // header slots written, as bits
  let w = at + HEADER_INTS;
  let runFrom = start;
  let p = start;
  while (p < end) {
    // Every entry is at least a key and one more byte.
    if (p + 1 >= end) return undefined;
    const key = b[p];
    let len = b[p + 1];
    if (key === 0x52) {
      // A field.
      let q = p + 2;
      if (len >= 0x80) {
        if (q >= end || b[q] >= 0x80) return undefined;
        len = (len & 0x7f) | (b[q] << 7);
        if (!isText(b, w32, off, runFrom, p + 1)) return textFailed();
        runFrom = ++q;
      }
      const fieldEnd = q + len;
      if (fieldEnd > end || len < 2 || b[q] !== 0x0a) return undefined;
      const body = q;
      // The name.
      const nameLen = b[q + 1];
      q += 2 + nameLen;
      if (nameLen >= 0x80 || q > fieldEnd) return undefined;
      let valueType = 0;
      if (q + 1 < fieldEnd && b[q] === 0x10) {
        valueType = b[q + 1];
        if (valueType > 4) return undefined;
        q += 2;
      }
      if (q + 1 < fieldEnd && b[q] === 0x1a) {
        const reprLen = b[q + 1];
        q += 2 + reprLen;
        if (reprLen >= 0x80 || q > fieldEnd) return undefined;
      }
      // The values, each with the key valueType calls for.
      const valueKey = VALUE_KEY[valueType];
      while (q < fieldEnd) {
        if (b[q] !== valueKey || q + 1 >= fieldEnd) return undefined;
        const v = b[q + 1];
        if (valueKey === 0x22 || valueKey === 0x2a) {
          // STRING or BYTES: a length, then text or binary
          let vlen = v;
          q += 2;
          if (vlen >= 0x80) {
            if (q >= fieldEnd || b[q] >= 0x80) return undefined;
            vlen = (vlen & 0x7f) | (b[q] << 7);
            if (!isText(b, w32, off, runFrom, q - 1)) return textFailed();
            runFrom = ++q;
          }
          q += vlen;
          if (q > fieldEnd) return undefined;
          if (valueKey === 0x2a) {
            if (!isText(b, w32, off, runFrom, q - vlen)) return textFailed();
            runFrom = q;
          }
        } else if (valueKey === 0x39) {
          // DOUBLE: eight bytes
          q += 9;
          if (q > fieldEnd) return undefined;
          if (!isText(b, w32, off, runFrom, q - 8)) return textFailed();
          runFrom = q;
        } else if (v < 0x80) {
          q += 2; // INTEGER or BOOL of one byte
        } else {
          // a varint of several bytes: at most 10, the last below 0x80
          const from = q + 1;
          const stop = from + 10 < fieldEnd ? from + 10 : fieldEnd;
          q = from + 1;
          while (q < stop && b[q] >= 0x80) q++;
          if (q === stop) return undefined;
          if (!isText(b, w32, off, runFrom, from)) return textFailed();
          runFrom = ++q;
        }
      }
      a[w + F_BODY] = body;
      a[w + F_END] = fieldEnd;
      w += FIELD_INTS;
      p = fieldEnd;
      continue;
    }
    let slot: number;
    switch (key) {
      case 0x1a:
      case 0x22:
      case 0x32:
      case 0x3a:
      case 0x4a:
        slot = SLOT_OF_KEY[key];
        break;
      case 0x0a:
        // Uuid: 16 binary bytes
        p += 18;
        if (len !== 16 || p > end) return undefined;
        if (!isText(b, w32, off, runFrom, p - 16)) return textFailed();
        runFrom = p;
        a[at + H_UUID] = p - 16;
        seen |= 1 << H_UUID;
        continue;
      case 0x10:
      case 0x28:
      case 0x40: {
        slot = SLOT_OF_KEY[key];
        a[at + slot] = p + 1;
        seen |= 1 << slot;
        if (len < 0x80) {
          p += 2;
          continue;
        }
        const from = p + 1;
        const stop = from + 10 < end ? from + 10 : end;
        p = from + 1;
        while (p < stop && b[p] >= 0x80) p++;
        if (p === stop) return undefined;
        if (!isText(b, w32, off, runFrom, from)) return textFailed();
        runFrom = ++p;
        continue;
      }
      default:
        return undefined;
    }
    // A string header (the last one wins, as in decodeMessage).
    a[at + slot] = p + 1;
    seen |= 1 << slot;
    p += 2;
    if (len >= 0x80) {
      if (p >= end || b[p] >= 0x80) return undefined;
      len = (len & 0x7f) | (b[p] << 7);
      if (!isText(b, w32, off, runFrom, p - 1)) return textFailed();
      runFrom = ++p;
    }
    p += len;
    if (p > end) return undefined;
  }
  if ((seen & 3) !== 3) return undefined; // no Uuid or no Timestamp
  if (!isText(b, w32, off, runFrom, end)) return textFailed();
  if (seen !== ALL_HEADER_SLOTS) {
    for (let k = 2; k < HEADER_INTS; k++) if ((seen & (1 << k)) === 0) a[at + k] = -1;
  }
  arenaUsed = w;
  return new LazyMessage(b, dataView, start, end, a, at, (w - at - HEADER_INTS) / FIELD_INTS);
}

/**
 * Whether b[from, to), a run of scanCommon, is valid UTF-8: ASCII, tested a
 * word at a time, or else checked byte by byte.
 */
function isText(b: Uint8Array, w32: Int32Array<ArrayBufferLike>, off: number, from: number, to: number): boolean {
  return (orRange(b, w32, off, from, to) & 0x80808080) === 0 || validUtf8Run(b, w32, off, from, to);
}

function textFailed(): undefined {
  commonRunFailed = true;
  return undefined;
}

// The key of the values each value_type (0..4) calls for.
const VALUE_KEY = [0x22, 0x2a, 0x30, 0x39, 0x40];
// Set when scanCommon found invalid UTF-8 (or took bytes for text that
// are not): only the general scan's pass checking each string can decide.
let commonRunFailed = false;

// Whether each string is checked on its own (the second pass), and whether a
// run check failed in the first.
let checkEach = false;
let runFailed = false;
// Where the bytes not yet checked begin (first pass).
let runFrom = 0;
// The buffer being scanned, as a whole (wordsOf): its bytes, its words for
// the run check, and a DataView which LazyMessages read from it keep for
// comparing literals in place (ByteLiteral). Positions in it are absolute,
// so the run check's byte offset is 0. The last view given and where it
// starts in the buffer (kept until the next one).
let wordsOf: ArrayBufferLike | undefined;
let whole: Uint8Array = new Uint8Array(0);
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);
let dataView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let lastView: Uint8Array = new Uint8Array(0);
let viewStart = 0;

function scanRecord(bytes: Uint8Array, start: number, end: number): LazyMessage | undefined {
  const b = bytes;
  const a = arena;
  const at = arenaUsed;
  for (let k = at; k < at + HEADER_INTS; k++) a[k] = -1;
  let w = at + HEADER_INTS;
  runFrom = start;
  runFailed = false;
  // The cursor is local here (the hot loop); the helpers for rarer entries
  // take it through `pos`.
  let p = start;
  while (p < end) {
    // Keys of one byte: every tag decodeMessage knows. Anything else, or a
    // known tag with the wrong wire type, is left to decodeMessage.
    const key = b[p++];
    let slot = -1;
    switch (key) {
      case 0x52: {
        // A field: its entries are read right here.
        let len = p < end ? b[p] : 0x80;
        if (len < 0x80 && len < end - p) p++;
        else {
          pos = p;
          len = lengthItem(end);
          if (len < 0) return undefined;
          p = pos;
        }
        const fieldEnd = p + len;
        const body = p;
        let nameAt = -1;
        let valueType = -1;
        let valueTag = 0;
        while (p < fieldEnd) {
          const fkey = b[p++];
          const tag = fkey >>> 3;
          if (tag >= 4 && tag <= 8) {
            if (valueTag !== 0 && valueTag !== tag) return undefined;
            valueTag = tag;
          }
          if (fkey === 0x0a || fkey === 0x22 || fkey === 0x1a) {
            // name, STRING value, representation: text
            let tlen = p < fieldEnd ? b[p] : 0x80;
            if (tlen < 0x80 && tlen < fieldEnd - p) p++;
            else {
              pos = p;
              tlen = lengthItem(fieldEnd);
              if (tlen < 0) return undefined;
              p = pos;
            }
            if (checkEach && !isUtf8(p, tlen)) return undefined;
            if (fkey === 0x0a) nameAt = p;
            p += tlen;
            continue;
          }
          if ((fkey === 0x10 || fkey === 0x30 || fkey === 0x40) && p < fieldEnd && b[p] < 0x80) {
            // value_type, one INTEGER or BOOL: a one-byte varint
            if (fkey === 0x10) {
              valueType = b[p];
              if (valueType > 4) return undefined;
            }
            p++;
            continue;
          }
          pos = p;
          if (fkey === 0x10) {
            // value_type in several bytes (an unusual but valid encoding)
            if (!readVarint(fieldEnd) || hi !== 0 || lo > 4) return undefined;
            valueType = lo;
            if (!checkEach && !skipRun(p)) return undefined;
          } else if (!otherValue(fkey, fieldEnd)) return undefined;
          p = pos;
        }
        if (nameAt < 0) return undefined;
        const type = valueType === -1 ? T_STRING : valueType;
        if (valueTag !== 0 && TAG_TYPE[valueTag] !== type) return undefined;
        a[w + F_BODY] = nameAt === body + 2 ? body : ~body; // see F_BODY
        a[w + F_END] = fieldEnd;
        w += FIELD_INTS;
        continue;
      }
      case 0x1a:
      case 0x22:
      case 0x32:
      case 0x3a:
      case 0x4a:
        slot = SLOT_OF_KEY[key];
        break;
      case 0x0a: {
        pos = p;
        if (readLength(end) !== 16) return undefined;
        p = pos;
        a[at + H_UUID] = p;
        p += 16;
        if (!checkEach && !asciiRun(runFrom, p - 16)) return failRun();
        runFrom = p;
        continue;
      }
      case 0x10:
      case 0x28:
      case 0x40: {
        a[at + SLOT_OF_KEY[key]] = p;
        pos = p;
        if (!varintItem(end)) return undefined;
        p = pos;
        continue;
      }
      default:
        return undefined;
    }
    // A string header: note where it lies (the last one wins, as in decodeMessage).
    a[at + slot] = p;
    let len = p < end ? b[p] : 0x80;
    if (len < 0x80 && len < end - p) p++;
    else {
      pos = p;
      len = lengthItem(end);
      if (len < 0) return undefined;
      p = pos;
    }
    if (checkEach && !isUtf8(p, len)) return undefined;
    p += len;
  }
  if (!checkEach && !asciiRun(runFrom, end)) return failRun();
  if (a[at + H_UUID] < 0 || a[at + H_TIMESTAMP] < 0) return undefined;
  arenaUsed = w;
  return new LazyMessage(bytes, dataView, start, end, a, at, (w - at - HEADER_INTS) / FIELD_INTS);
}

function failRun(): undefined {
  runFailed = true;
  return undefined;
}

/** A field entry other than text or a one-byte varint, at pos (after its key): BYTES, numbers, packed values. */
function otherValue(key: number, end: number): boolean {
  switch (key) {
    case 0x2a: {
      const len = lengthItem(end);
      if (len < 0) return false;
      pos += len;
      return checkEach || skipRun(pos - len);
    }
    case 0x30:
    case 0x40:
      return varintItem(end);
    case 0x32:
    case 0x42: {
      const len = lengthItem(end);
      if (len < 0) return false;
      const from = pos;
      const stop = pos + len;
      while (pos < stop) if (!readVarint(stop)) return false;
      return checkEach || skipRun(from);
    }
    case 0x39:
      if (pos + 8 > end) return false;
      pos += 8;
      return checkEach || skipRun(pos - 8);
    case 0x3a: {
      const len = lengthItem(end);
      if (len < 0 || len % 8 !== 0) return false;
      pos += len;
      return checkEach || skipRun(pos - len);
    }
    default:
      return false;
  }
}

/**
 * First pass: check the run up to `itemStart` and start the next run at pos
 * (the binary item in between is not text). False when the run is not ASCII.
 */
function skipRun(itemStart: number): boolean {
  if (!asciiRun(runFrom, itemStart)) {
    runFailed = true;
    return false;
  }
  runFrom = pos;
  return true;
}

/**
 * Step over a varint value (its value is read when asked for): at most 10
 * bytes, the last below 0x80, as decodeMessage reads them. One of several
 * bytes is a binary item.
 */
function varintItem(end: number): boolean {
  const b = buf;
  const at = pos;
  const stop = at + 10 < end ? at + 10 : end;
  let p = at;
  while (p < stop && b[p] >= 0x80) p++;
  if (p === stop) return false; // truncated, or longer than 10 bytes
  pos = p + 1;
  return checkEach || p === at || skipRun(at);
}

/** A length; one of several bytes is a binary item. -1 when malformed. */
function lengthItem(end: number): number {
  const at = pos;
  const len = readLength(end);
  if (len < 0 || checkEach || pos - at === 1) return len;
  return skipRun(at) ? len : -1;
}

/** Whether every byte of buf[from, to) is below 0x80, tested a word at a time where it can. */
function asciiRun(from: number, to: number): boolean {
  const b = buf;
  let any = 0;
  let i = from;
  if (to - i >= 16) {
    // Positions are in the whole buffer (see readMessageLazily): word k holds bytes 4k..4k+3.
    while ((i & 3) !== 0) any |= b[i++];
    const w = words;
    const stop = to >> 2;
    for (let k = i >> 2; k < stop; k++) any |= w[k];
    i = stop << 2;
  }
  for (; i < to; i++) any |= b[i];
  return (any & 0x80808080) === 0;
}

/** A length-delimited entry's length, -1 when it is malformed or runs past `end`. */
function readLength(end: number): number {
  if (pos < end) {
    const len = buf[pos];
    if (len < 0x80) {
      pos++;
      return len <= end - pos ? len : -1;
    }
  }
  if (!readVarint(end) || hi !== 0 || lo > end - pos) return -1;
  return lo;
}

/** Read a varint ending before `end` into lo/hi exactly as decodeMessage does; false when it is truncated or too long. */
function readVarint(end: number): boolean {
  let b: number;
  if (pos >= end) return false;
  b = buf[pos++];
  if (b < 0x80) {
    lo = b;
    hi = 0;
    return true;
  }
  let l = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (pos >= end) return false;
    b = buf[pos++];
    l |= (b & 0x7f) << shift;
    if (b < 0x80) {
      lo = l >>> 0;
      hi = 0;
      return true;
    }
  }
  if (pos >= end) return false;
  b = buf[pos++];
  lo = (l | ((b & 0x7f) << 28)) >>> 0;
  let h = (b & 0x7f) >> 4;
  if (b < 0x80) {
    hi = h;
    return true;
  }
  for (let shift = 3; shift < 38; shift += 7) {
    if (pos >= end) return false;
    b = buf[pos++];
    h |= (b & 0x7f) << shift;
    if (b < 0x80) {
      hi = h >>> 0;
      return true;
    }
  }
  return false;
}

/** Re-read a varint the scan already checked. */
function readVarintAt(bytes: Uint8Array, at: number): void {
  buf = bytes;
  pos = at;
  readVarint(bytes.length);
  buf = EMPTY;
}

/** Whether buf[at, at + len) is valid UTF-8 (what decodeMessage's strings require). */
function isUtf8(at: number, len: number): boolean {
  return validUtf8(buf, at, at + len);
}

// ---------------------------------------------------------------- values

/**
 * The length of the name of the field whose (checked) body is b[body, end),
 * its last name entry as in decodeMessage; where the name starts goes to
 * nameAt. For fields whose name is not a lone first entry (see F_BODY).
 */
function nameOf(b: Uint8Array, body: number, end: number): number {
  buf = b;
  pos = body;
  let len = 0;
  while (pos < end) {
    const key = b[pos++];
    if (key === 0x0a || key === 0x1a || key === 0x22 || key === 0x2a || key === 0x32 || key === 0x3a || key === 0x42) {
      const n = readLength(end);
      if (key === 0x0a) {
        nameAt = pos;
        len = n;
      }
      pos += n;
    } else if (key === 0x39) pos += 8;
    else readVarint(end); // value_type, INTEGER and BOOL values
  }
  buf = EMPTY;
  return len;
}

let nameAt = 0;

/** Whether the field whose (checked) body is b[body, end) is named `want` (a field stored as ~body: its name looked for). */
function nameIsAt(view: DataView, b: Uint8Array, body: number, end: number, want: ByteLiteral): boolean {
  return nameOf(b, body, end) === want.length && literalAt(view, b, nameAt, want);
}

// Where findValue's value starts, and a string's or BYTES' length.
let valueAt = 0;
let valueLength = 0;
// Where the text of the header last measured by headerLength starts.
let textAt = 0;

/** The ai-th value of the field stored as `stored` (its F_BODY slot) and ending at `end`. */
function fieldValue(b: Uint8Array, stored: number, end: number, ai: number): FieldValue | undefined {
  const key = ai === 0 ? firstValue(b, stored, end) : findValue(b, bodyOf(stored), end, ai);
  if (key === 0) return undefined;
  if (key === 0x2a) return Uint8Array.prototype.slice.call(b, valueAt, valueAt + valueLength);
  if (key === 0x30 || key === 0x40) {
    readVarintAt(b, valueAt);
    return key === 0x30 ? int64Value() : lo !== 0 || hi !== 0;
  }
  buf = b;
  try {
    return key === 0x22 ? decodeString(valueAt, valueLength) : readDouble(valueAt);
  } finally {
    buf = EMPTY;
  }
}

/**
 * findValue's answer for the first value (ai 0) of the field stored as
 * `stored` (its F_BODY slot) and ending at `end`, read directly when the
 * field is laid out as every writer lays it out: the name first (a body
 * stored as is), an optional value_type and representation of one-byte
 * lengths, then an unpacked value, a string or BYTES with a length of one or
 * two bytes, or a number. Anything else goes to findValue.
 */
function firstValue(b: Uint8Array, stored: number, end: number): number {
  if (stored >= 0) {
    let q = stored + 2 + b[stored + 1];
    if (q < end && b[q] === 0x10 && b[q + 1] < 0x80) q += 2;
    if (q < end && b[q] === 0x1a && b[q + 1] < 0x80) q += 2 + b[q + 1];
    if (q < end) {
      const key = b[q];
      if (key === 0x22 || key === 0x2a) {
        const len = b[q + 1];
        if (len < 0x80) {
          valueAt = q + 2;
          valueLength = len;
          return key;
        }
        if (b[q + 2] < 0x80) {
          valueAt = q + 3;
          valueLength = (len & 0x7f) | (b[q + 2] << 7);
          return key;
        }
      } else if (key === 0x30 || key === 0x39 || key === 0x40) {
        valueAt = q + 1;
        return key;
      }
    }
  }
  return findValue(b, bodyOf(stored), end, 0);
}

/**
 * Find the ai-th value of the field whose (checked) body is b[body, end):
 * its kind as a field key (0x22 string, 0x2a BYTES, 0x30 INTEGER, 0x39
 * DOUBLE, 0x40 BOOL; an entry of a packed list counts as one of its kind),
 * where it starts in valueAt (and a string's or BYTES' length in
 * valueLength); 0 when the field has no such value.
 */
function findValue(b: Uint8Array, body: number, end: number, ai: number): number {
  buf = b;
  pos = body;
  try {
    while (pos < end) {
      const key = b[pos++];
      switch (key) {
        case 0x0a:
        case 0x1a:
        case 0x2a:
        case 0x22: {
          const len = readLength(end);
          if (key === 0x22 || key === 0x2a) {
            if (ai === 0) {
              valueAt = pos;
              valueLength = len;
              return key;
            }
            ai--;
          }
          pos += len;
          break;
        }
        case 0x10:
          readVarint(end);
          break;
        case 0x30:
        case 0x40:
          if (ai === 0) {
            valueAt = pos;
            return key;
          }
          ai--;
          readVarint(end);
          break;
        case 0x32:
        case 0x42: {
          const stop = readLength(end) + pos;
          while (pos < stop) {
            if (ai === 0) {
              valueAt = pos;
              return key - 2; // 0x30 or 0x40
            }
            ai--;
            readVarint(stop);
          }
          break;
        }
        case 0x39:
          if (ai === 0) {
            valueAt = pos;
            return key;
          }
          ai--;
          pos += 8;
          break;
        case 0x3a: {
          const count = readLength(end) / 8;
          if (ai < count) {
            valueAt = pos + ai * 8;
            return 0x39;
          }
          ai -= count;
          pos += count * 8;
          break;
        }
      }
    }
    return 0;
  } finally {
    buf = EMPTY;
  }
}

/** The last varint as a signed int64: a number when safe, else a bigint (decodeMessage's rule). */
function int64Value(): number | bigint {
  if (hi === 0) return lo;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  if (hi >= 0xffe00000) {
    const v = (hi - 4294967296) * 4294967296 + lo;
    if (v >= -Number.MAX_SAFE_INTEGER) return v;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/**
 * The last varint, a signed int64 of nanoseconds, in milliseconds truncated
 * toward zero. A non-negative one is hi * 2^32 + lo = 10^6 * (hi * 4294) +
 * (hi * 967296 + lo), both parts exact doubles (below 2^44 and 2^52).
 */
function millisOfVarint(): number {
  if (hi < 0x80000000) {
    const rest = hi * 967296 + lo;
    let q = Math.floor(rest / 1e6);
    // The division is rounded: step to the exact quotient.
    if (q * 1e6 > rest) q--;
    else if ((q + 1) * 1e6 <= rest) q++;
    return hi * 4294 + q;
  }
  return Number(int64BigInt() / 1_000_000n); // before 1970: rare, the exact way
}

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

function int64BigInt(): bigint {
  scratchView.setUint32(0, lo, true);
  scratchView.setUint32(4, hi, true);
  return scratchView.getBigInt64(0, true);
}

function readDouble(p: number): number {
  const b = buf;
  for (let k = 0; k < 8; k++) scratch[k] = b[p + k];
  return scratchView.getFloat64(0, true);
}

// Field names asked for, as UTF-8, to compare with the bytes in place.
const nameCache = new Map<string, ByteLiteral>();

// The last name asked for: a column or a matcher reads the same one per message.
let lastName = '';
let lastNameLiteral = utf8Literal('');

function nameLiteral(name: string): ByteLiteral {
  if (name === lastName) return lastNameLiteral;
  let literal = nameCache.get(name);
  if (literal === undefined) {
    if (nameCache.size >= 1024) nameCache.clear();
    literal = utf8Literal(name);
    nameCache.set(name, literal);
  }
  lastName = name;
  lastNameLiteral = literal;
  return literal;
}

/** buf[start, start + len), known to be valid UTF-8, as a string. */
function decodeString(start: number, len: number): string {
  if (len === 0) return '';
  const b = buf;
  const stop = start + len;
  if (len <= STRING_CACHE_MAX_LENGTH) {
    const s = cachedAsciiString(b, start, stop);
    if (s !== undefined) return s;
  }
  return nodeBuffer !== undefined ? nodeBuffer.prototype.utf8Slice.call(b, start, stop) : utf8Decoder.decode(b.subarray(start, stop));
}
