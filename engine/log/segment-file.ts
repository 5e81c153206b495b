/**
 * One segment file on disk: its name (the first offset it holds, zero padded
 * so names sort in log order) and a chunked scan of its framed records.
 * The file is nothing but Hindsight framing, so `cat *.log` is a valid
 * Hindsight stream.
 */
import { readFrame } from '../message/framing';
import { MAX_MESSAGE_SIZE } from '../message/message';
import { readAt, type LogFs } from './log-fs';

export const SEGMENT_SUFFIX = '.log';
export const INDEX_SUFFIX = '.idx';
const NAME_DIGITS = 20;
const NAME_RE = /^(\d{20})\.log$/;

/** Largest framed record: 0x1E, header length, 0x08, 3-byte varint, 0x1F, message. */
export const MAX_FRAMED_SIZE = MAX_MESSAGE_SIZE + 6;

export function segmentFileName(firstOffset: number): string {
  return String(firstOffset).padStart(NAME_DIGITS, '0') + SEGMENT_SUFFIX;
}

export function indexFileName(firstOffset: number): string {
  return String(firstOffset).padStart(NAME_DIGITS, '0') + INDEX_SUFFIX;
}

/** The first offset a segment file name stands for, or undefined for other files. */
export function parseSegmentFileName(name: string): number | undefined {
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bytes `frameMessage` would produce for an encoded message of `len` bytes. */
export function framedSize(len: number): number {
  return len + (len < 0x80 ? 5 : len < 0x4000 ? 6 : 7);
}

/**
 * Write the framed record for `encoded` into out at pos (the same bytes as
 * frameMessage, without a buffer per record); returns the position after it.
 */
export function writeFramed(out: Uint8Array, pos: number, encoded: Uint8Array): number {
  const len = encoded.length;
  out[pos] = 0x1e;
  out[pos + 1] = len < 0x80 ? 2 : len < 0x4000 ? 3 : 4;
  out[pos + 2] = 0x08;
  let p = pos + 3;
  let v = len;
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[p++] = v;
  out[p++] = 0x1f;
  out.set(encoded, p);
  return p + len;
}

const MAX_REPORTED_SPANS = 100;

export interface CorruptSpan {
  position: number;
  reason: string;
}

export interface ScanEnd {
  /** Where scanning stopped: the end of the region, or after the record `visit` stopped at. */
  stoppedAt: number;
  /** The end of the last complete record seen (the region start when none). */
  lastGoodEnd: number;
  /** Spans skipped because they are not records (resynchronised at the next 0x1E); the first 100. */
  corrupt: CorruptSpan[];
  /** Set when the region ends inside a record: where that partial record starts. */
  tornAt: number | undefined;
}

/**
 * Visit each complete record in file bytes [start, end) in order, reading
 * `chunkBytes` at a time. `visit` gets the encoded message (a subarray of the
 * chunk, valid as long as the caller keeps it), its record position and the
 * position after it; it returns false to stop. A partial record at `end` is
 * reported as `tornAt` and not visited.
 */
export async function scanRecords(
  io: LogFs,
  fd: number,
  start: number,
  end: number,
  visit: (encoded: Uint8Array, position: number, next: number) => boolean,
  chunkBytes = 1 << 20,
): Promise<ScanEnd> {
  const corrupt: CorruptSpan[] = [];
  let pos = start;
  let lastGoodEnd = start;
  let want = Math.max(chunkBytes, MAX_FRAMED_SIZE);
  while (pos < end) {
    const buf = await readAt(io, fd, Math.min(want, end - pos), pos);
    if (buf.length === 0) break; // the file is shorter than expected
    const atEnd = pos + buf.length >= end;
    let off = 0;
    let stopped = false;
    while (off < buf.length) {
      const r = readFrame(buf, off);
      if (r.kind === 'record') {
        const recordEnd = pos + r.next;
        lastGoodEnd = recordEnd;
        if (!visit(r.message, pos + off, recordEnd)) {
          stopped = true;
          off = r.next;
          break;
        }
        off = r.next;
      } else if (r.kind === 'corrupt') {
        if (corrupt.length < MAX_REPORTED_SPANS) corrupt.push({ position: pos + off, reason: r.reason });
        off = r.next;
      } else {
        break; // incomplete: more bytes needed, or a torn tail
      }
    }
    if (stopped) return { stoppedAt: pos + off, lastGoodEnd, corrupt, tornAt: undefined };
    if (off < buf.length) {
      if (atEnd) return { stoppedAt: pos + off, lastGoodEnd, corrupt, tornAt: pos + off };
      if (off === 0) want *= 2; // a record larger than the chunk (only with tiny chunks)
    }
    pos += off;
  }
  return { stoppedAt: pos, lastGoodEnd, corrupt, tornAt: undefined };
}
