/**
 * Hindsight's stream framing, byte for byte as lua_sandbox writes and reads it
 * (heka_message.c: lsb_write_heka_header, lsb_find_heka_message):
 *
 *   0x1E  header_len  header[header_len]  0x1F  message[len]
 *
 * where header is a protobuf whose first key must be 0x08 (field 1, varint)
 * followed by the message length. Heka headers may carry more fields after it
 * (e.g. HMAC); like lua_sandbox we read field 1 and ignore the rest.
 */
import { MAX_MESSAGE_SIZE, MessageError } from './message';

export const RECORD_SEPARATOR = 0x1e;
export const UNIT_SEPARATOR = 0x1f;
const HEADER_LENGTH_KEY = 0x08; // field 1, wire type 0

export type FrameResult =
  /** message is a subarray of buf (no copy); next is the offset after the record. */
  | { kind: 'record'; message: Uint8Array; next: number }
  /** buf ends inside a record: a torn tail, or more data is needed. */
  | { kind: 'incomplete' }
  /** Not a valid record at this offset; resume scanning at next. */
  | { kind: 'corrupt'; reason: string; next: number };

/** The framed record for one encoded message (a new buffer). */
export function frameMessage(encoded: Uint8Array): Uint8Array {
  const len = encoded.length;
  if (len === 0) throw new MessageError('cannot frame an empty message');
  if (len > MAX_MESSAGE_SIZE) {
    throw new MessageError(`message is ${len} bytes, more than the ${MAX_MESSAGE_SIZE} byte maximum`);
  }
  const varintLen = len < 0x80 ? 1 : len < 0x4000 ? 2 : 3; // len <= 64 KiB fits in 3
  const headerLen = 1 + varintLen;
  const out = new Uint8Array(3 + headerLen + len);
  out[0] = RECORD_SEPARATOR;
  out[1] = headerLen;
  out[2] = HEADER_LENGTH_KEY;
  let p = 3;
  let v = len;
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[p++] = v;
  out[p++] = UNIT_SEPARATOR;
  out.set(encoded, p);
  return out;
}

/**
 * The record starting at `offset`. A record cut off by the end of buf is
 * `incomplete`; anything that cannot be a record is `corrupt`, with `next` at
 * the following 0x1E (or buf.length), which is how lua_sandbox resynchronises.
 * When no more data will ever come (a sealed file), an `incomplete` that is
 * not a torn tail can only be a stray 0x1E: scan on from
 * resyncOffset(buf, offset) to be sure nothing after it is lost.
 */
export function readFrame(buf: Uint8Array, offset: number): FrameResult {
  const end = buf.length;
  if (offset >= end) return { kind: 'incomplete' };
  if (buf[offset] !== RECORD_SEPARATOR) {
    const next = buf.indexOf(RECORD_SEPARATOR, offset);
    return {
      kind: 'corrupt',
      reason: `expected record separator 0x1e at byte ${offset}, found 0x${hex(buf[offset])}`,
      next: next === -1 ? end : next,
    };
  }
  if (offset + 2 > end) return { kind: 'incomplete' };
  const headerLen = buf[offset + 1];
  const headerStart = offset + 2;
  const headerStop = headerStart + headerLen; // where the 0x1F must be
  // Validate as much of the header as buf holds before answering
  // `incomplete`, so a stray 0x1E in garbage near the end of a buffer is not
  // taken for the start of a long record.
  if (headerLen < 2) {
    return corrupt(buf, offset, `record header length ${headerLen} at byte ${offset + 1} is too short`);
  }
  if (headerStart < end && buf[headerStart] !== HEADER_LENGTH_KEY) {
    return corrupt(buf, offset, `record header at byte ${headerStart} does not start with the length field (0x08)`);
  }
  // The message length varint, bounded by the header.
  let len = 0;
  let shift = 1;
  let p = headerStart + 1;
  for (;;) {
    if (p >= headerStop) {
      if (headerStop < end && buf[headerStop] !== UNIT_SEPARATOR) break; // reported below
      return corrupt(buf, offset, `record header at byte ${headerStart} has a truncated length`);
    }
    if (p >= end) return { kind: 'incomplete' };
    const b = buf[p++];
    len += (b & 0x7f) * shift;
    if (len > MAX_MESSAGE_SIZE) {
      return corrupt(buf, offset, `record at byte ${offset} declares a message larger than ${MAX_MESSAGE_SIZE} bytes`);
    }
    if (b < 0x80) break;
    shift *= 128;
  }
  if (headerStop >= end) return { kind: 'incomplete' };
  if (buf[headerStop] !== UNIT_SEPARATOR) {
    return corrupt(buf, offset, `header length ${headerLen} at byte ${offset + 1} is not followed by 0x1f`);
  }
  if (len === 0) return corrupt(buf, offset, `record at byte ${offset} declares an empty message`);
  const messageStart = headerStop + 1;
  const messageEnd = messageStart + len;
  if (messageEnd > end) return { kind: 'incomplete' };
  return { kind: 'record', message: buf.subarray(messageStart, messageEnd), next: messageEnd };
}

/**
 * readFrame's answer for a well-formed, complete record at `offset`, without
 * making an object: where its message ends (it starts at
 * frameMessageStart(buf, offset)), or -1 for anything else, whose answer
 * readFrame must give (incomplete, corrupt, or a header with fields after the
 * length). The reader of a whole file or body calls this once per record.
 */
export function completeFrameEnd(buf: Uint8Array, offset: number): number {
  const end = buf.length;
  if (offset + 4 >= end || buf[offset] !== RECORD_SEPARATOR) return -1;
  const headerLen = buf[offset + 1];
  if (headerLen < 2 || buf[offset + 2] !== HEADER_LENGTH_KEY) return -1;
  const headerStop = offset + 2 + headerLen;
  if (headerStop >= end || buf[headerStop] !== UNIT_SEPARATOR) return -1;
  let len = 0;
  let shift = 1;
  for (let p = offset + 3; ; ) {
    if (p >= headerStop) return -1;
    const b = buf[p++];
    len += (b & 0x7f) * shift;
    if (len > MAX_MESSAGE_SIZE) return -1;
    if (b < 0x80) break;
    shift *= 128;
  }
  const messageEnd = headerStop + 1 + len;
  return len === 0 || messageEnd > end ? -1 : messageEnd;
}

/** Where the message of the record at `offset` starts (after its header and 0x1F), for a record completeFrameEnd accepted. */
export function frameMessageStart(buf: Uint8Array, offset: number): number {
  return offset + 3 + buf[offset + 1];
}

/**
 * Every record, corrupt span and finally (if buf ends mid-record) one
 * `incomplete`, from the start of buf. Corrupt results are yielded so callers
 * can count discarded bytes the way Hindsight does.
 */
export function* readFrames(buf: Uint8Array): Generator<FrameResult> {
  let offset = 0;
  while (offset < buf.length) {
    const r = readFrame(buf, offset);
    yield r;
    if (r.kind === 'incomplete') return;
    offset = r.next;
  }
}

/**
 * Where to look for the next record after a bad one starting at `offset` (the
 * next 0x1E, or buf.length). Use it also when a well-framed record's message
 * fails to decode: lua_sandbox then skips one byte and scans on rather than
 * trusting the frame's length.
 */
export function resyncOffset(buf: Uint8Array, offset: number): number {
  const next = buf.indexOf(RECORD_SEPARATOR, offset + 1);
  return next === -1 ? buf.length : next;
}

function corrupt(buf: Uint8Array, offset: number, reason: string): FrameResult {
  return { kind: 'corrupt', reason, next: resyncOffset(buf, offset) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
