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

/**
 * Write the framed records for records[from..] into out at pos, noting each
 * record's position with `note(position)`; returns the position after them.
 *
 * Records usually arrive as views of a framed body (HTTP ingest, a file
 * read): each already preceded, in its buffer, by exactly the framing
 * writeFramed would write. A run of such records, adjacent in one buffer, is
 * copied with one `set` instead of one per record (a `set` costs far more
 * than the 6 or so header bytes compared to prove the run's bytes are the
 * ones writeFramed would produce). Anything else is framed record by record.
 */
export function writeFramedRecords(
  out: Uint8Array,
  pos: number,
  records: readonly Uint8Array[],
  note: (position: number) => void,
): number {
  const n = records.length;
  let src: Uint8Array | undefined;
  let i = 0;
  while (i < n) {
    const r = records[i];
    if (src === undefined || src.buffer !== r.buffer) src = new Uint8Array(r.buffer, 0, r.buffer.byteLength);
    const head = framedHead(src, r);
    note(pos);
    i++;
    if (head === 0) {
      pos = writeFramed(out, pos, r);
      continue;
    }
    const runStart = r.byteOffset - head;
    let runEnd = r.byteOffset + r.length;
    while (i < n) {
      const s = records[i];
      if (s.buffer !== r.buffer) break;
      const h = framedHead(src, s);
      if (h === 0 || s.byteOffset - h !== runEnd) break;
      note(pos + (runEnd - runStart));
      runEnd = s.byteOffset + s.length;
      i++;
    }
    out.set(src.subarray(runStart, runEnd), pos);
    pos += runEnd - runStart;
  }
  return pos;
}

/**
 * The length of the framing before `encoded` in `buffer` (a view of its
 * whole ArrayBuffer) when it is byte for byte what writeFramed writes (0x1E, header length, 0x08, the
 * length as a varint, 0x1F), else 0.
 */
function framedHead(buffer: Uint8Array, encoded: Uint8Array): number {
  const len = encoded.length;
  const head = len < 0x80 ? 5 : len < 0x4000 ? 6 : 7;
  const at = encoded.byteOffset - head;
  if (at < 0) return 0;
  if (buffer[at] !== 0x1e || buffer[at + 1] !== head - 3 || buffer[at + 2] !== 0x08 || buffer[at + head - 1] !== 0x1f) return 0;
  let v = len;
  let p = at + 3;
  while (v >= 0x80) {
    if (buffer[p++] !== ((v & 0x7f) | 0x80)) return 0;
    v >>>= 7;
  }
  return buffer[p] === v && p === at + head - 2 ? head : 0;
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
