/**
 * Hindsight stream input: framed Heka protobuf records (0x1E header 0x1F
 * message), as Hindsight writes its output and input files. Each record is
 * judged alone: bad framing is skipped up to the next 0x1E (as lua_sandbox
 * resynchronises) and a record whose message does not decode is rejected
 * whole, with its number, byte position and the decoder's reason. Valid
 * records keep their bytes as received; a message missing Uuid or Timestamp
 * gets them (random v4 UUID, current time) prepended; one with no Heka
 * header or field at all (only unknown tags) is rejected.
 *
 * Each record is read once: the in-place reader's scan (readMessageLazily)
 * both validates it, exactly as decodeMessage would, and gives the message,
 * read in place from the input's buffer (valid as long as that is).
 */
import { completeFrameEnd, frameMessageStart, readFrame, resyncOffset } from '../message/framing';
import { readMessageLazily } from '../message/lazy-message';
import { MessageError, type Message } from '../message/message';
import { newUuid } from '../message/uuid';
import { engineLoggerRefusal } from './engine-loggers';

/** A rejected record: 1-based record number, byte offset in the stream, and why. */
export interface RecordRejection {
  record: number;
  /** Absent when the record framed and decoded but could not be stored (re-encoding failed). */
  byte?: number;
  reason: string;
}

export interface HindsightRecordsResult {
  /** Each valid record's protobuf: as received, or with the missing Uuid/Timestamp prepended. */
  encoded: Uint8Array[];
  /** The record number of each. */
  records: number[];
  /** The first `maxRejections` rejected records. */
  rejected: RecordRejection[];
  rejectedCount: number;
  /** Bytes consumed: all of the input, or (when `final` is false) up to a record cut off at the end. */
  consumed: number;
  /** The number the next record will have (firstRecord for the next chunk). */
  nextRecord: number;
}

export interface HindsightStreamResult extends HindsightRecordsResult {
  /** accepted[i] is encoded[i] decoded. */
  accepted: Message[];
}

export interface HindsightStreamOptions {
  /**
   * True (default) when the input is the whole stream: a record cut off at
   * the end is rejected as truncated. False for a chunk of a longer stream:
   * the cut record is left unconsumed for the next chunk.
   */
  final?: boolean;
  /** Byte position of input[0] in the whole stream, for messages. Default 0. */
  byteOffset?: number;
  /** Number of the first record in input. Default 1. */
  firstRecord?: number;
  /** How many rejections to keep with their reasons (all are counted). Default 1000. */
  maxRejections?: number;
  /** Current time in ns for messages without a Timestamp. */
  now?: () => bigint;
  /** Reject messages whose Logger is the engine's (engine-loggers.ts), as live ingest does. Default false. */
  refuseEngineLoggers?: boolean;
}

/** Parse framed Heka protobuf bytes into messages (read in place from `input`) and per-record rejections. */
export function parseHindsightStream(input: Uint8Array, options: HindsightStreamOptions = {}): HindsightStreamResult {
  const accepted: Message[] = [];
  const encoded: Uint8Array[] = [];
  const records: number[] = [];
  const scan = scanStream(input, options, (message, bytes, start, end, record) => {
    accepted.push(message);
    encoded.push(bytes.subarray(start, end));
    records.push(record);
  });
  return { accepted, encoded, records, ...scan };
}

/**
 * Like parseHindsightStream, but keeps only each valid record's bytes (a view
 * of the input, or the record with Uuid/Timestamp prepended): what ingest
 * stores.
 */
export function parseHindsightRecords(input: Uint8Array, options: HindsightStreamOptions = {}): HindsightRecordsResult {
  const encoded: Uint8Array[] = [];
  const records: number[] = [];
  const scan = scanStream(input, options, (_message, bytes, start, end, record) => {
    encoded.push(bytes.subarray(start, end));
    records.push(record);
  });
  return { encoded, records, ...scan };
}

/**
 * Each valid record's message and where its bytes lie: bytes[start, end) (the
 * input, or a new buffer holding the record with Uuid/Timestamp prepended).
 */
export type AcceptRecord = (message: Message, bytes: Uint8Array, start: number, end: number, record: number) => void;

interface ScanResult {
  rejected: RecordRejection[];
  rejectedCount: number;
  consumed: number;
  nextRecord: number;
}

/**
 * Frame, validate and read every record of `input`, calling `accept` for each
 * valid one in order. The reader behind parseHindsightStream and
 * parseHindsightRecords, and behind file reading (message-file.ts).
 */
export function scanHindsightStream(input: Uint8Array, options: HindsightStreamOptions, accept: AcceptRecord): ScanResult {
  return scanStream(input, options, accept);
}

function scanStream(input: Uint8Array, options: HindsightStreamOptions, accept: AcceptRecord): ScanResult {
  // A plain Uint8Array view over a Buffer (no copy): subarrays and slices of
  // a Buffer are Buffers, and Buffer#slice does not copy.
  if (Buffer.isBuffer(input)) input = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const final = options.final ?? true;
  const base = options.byteOffset ?? 0;
  const maxRejections = options.maxRejections ?? 1000;
  const now = options.now ?? nowNs;
  const refuseEngineLoggers = options.refuseEngineLoggers ?? false;
  let record = options.firstRecord ?? 1;
  const result: ScanResult = { rejected: [], rejectedCount: 0, consumed: input.length, nextRecord: 0 };
  // A garbage span gets the number of the record after it; a bad record its own.
  const reject = (byte: number, reason: string) => {
    result.rejectedCount++;
    if (result.rejected.length < maxRejections) result.rejected.push({ record, byte: base + byte, reason });
  };

  let offset = 0;
  const length = input.length;
  while (offset < length) {
    // The usual record is framed and read without making anything but its message.
    let messageEnd = completeFrameEnd(input, offset);
    let start: number;
    if (messageEnd >= 0) start = frameMessageStart(input, offset);
    else {
      const r = readFrame(input, offset);
      if (r.kind === 'incomplete') {
        if (!final) {
          result.consumed = offset;
          break;
        }
        // Cut off by the end, unless it was a stray 0x1E with records after it.
        const next = resyncOffset(input, offset);
        if (next >= length) {
          reject(offset, `truncated record: the stream ends ${length - offset} bytes into it`);
          record++;
          break;
        }
        reject(offset, `record at byte ${base + offset} runs past the end of the stream; skipped ${next - offset} bytes`);
        offset = next;
        continue;
      }
      if (r.kind === 'corrupt') {
        reject(offset, `${r.reason}; skipped ${r.next - offset} bytes`);
        offset = r.next;
        continue;
      }
      // A header with more fields than the length (Heka's HMAC): the message is where readFrame says.
      start = r.message.byteOffset - input.byteOffset;
      messageEnd = r.next;
    }
    let message: Message | undefined;
    let bytes = input;
    let from = start;
    let to = messageEnd;
    try {
      message = readMessageLazily(input, start, messageEnd);
    } catch (err) {
      try {
        bytes = withUuidAndTimestamp(input.subarray(start, messageEnd), now, err);
        from = 0;
        to = bytes.length;
        message = readMessageLazily(bytes);
      } catch (err2) {
        reject(offset, err2 instanceof Error ? err2.message : String(err2));
      }
    }
    if (message !== undefined) {
      const refusal = refuseEngineLoggers ? engineLoggerRefusal(message) : undefined;
      if (refusal === undefined) accept(message, bytes, from, to, record);
      else reject(offset, refusal);
    }
    record++;
    offset = messageEnd;
  }
  result.nextRecord = record;
  return result;
}

/**
 * A record that did not read (`err`) because Uuid or Timestamp is missing,
 * with them prepended (tags 1 and 2 come first in a Heka protobuf, so the
 * result is still in canonical order). Throws `err` for any other problem,
 * and a MessageError naming the tags when the record has no Heka header or
 * field at all.
 */
function withUuidAndTimestamp(bytes: Uint8Array, now: () => bigint, err: unknown): Uint8Array {
  const present = topLevelTags(bytes);
  if (!present || (present.has(1) && present.has(2))) throw err;
  if (![...present].some((tag) => tag >= 1 && tag <= 10)) {
    const tags = [...present].sort((a, b) => a - b);
    throw new MessageError(
      `no Heka header or field, only unknown tag${tags.length > 1 ? 's' : ''} ${tags.join(', ')}: not a Heka message`,
    );
  }
  const prefix: number[] = [];
  if (!present.has(1)) prefix.push(0x0a, 16, ...newUuid());
  if (!present.has(2)) {
    prefix.push(0x10);
    for (let v = now(); ; v >>= 7n) {
      if (v < 0x80n) {
        prefix.push(Number(v));
        break;
      }
      prefix.push(Number(v & 0x7fn) | 0x80);
    }
  }
  const patched = new Uint8Array(prefix.length + bytes.length);
  patched.set(prefix, 0);
  patched.set(bytes, prefix.length);
  return patched;
}

/** The set of top-level protobuf field numbers, or undefined if the bytes do not even walk. */
function topLevelTags(b: Uint8Array): Set<number> | undefined {
  const tags = new Set<number>();
  let p = 0;
  const varint = (): number | undefined => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= b.length) return undefined;
      const c = b[p++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
    return undefined;
  };
  while (p < b.length) {
    const key = varint();
    if (key === undefined) return undefined;
    tags.add(Math.floor(key / 8));
    const wire = key % 8;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 1) p += 8;
    else if (wire === 2) {
      const len = varint();
      if (len === undefined) return undefined;
      p += len;
    } else if (wire === 5) p += 4;
    else return undefined;
    if (p > b.length) return undefined;
  }
  return tags;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
