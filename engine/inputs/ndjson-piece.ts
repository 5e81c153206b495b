/**
 * One piece of a large NDJSON body, parsed on its own (on a parse worker or,
 * as a fallback, on the calling thread), and how pieces are cut and joined.
 *
 * A piece starts just after a newline (or at the body's start) and ends just
 * after one (or at the body's end), so every line lies in exactly one piece.
 * A piece is parsed with firstLine 1; the caller shifts its line numbers by
 * the newlines of the pieces before it when joining, in input order.
 *
 * Across threads a parsed piece travels as PackedPiece: one transferable
 * buffer holding the record ends, the relative line numbers and the records
 * themselves, plus the (few) rejections as plain objects.
 */
import { MAX_MESSAGE_SIZE } from '../message/message';
import { asBuffer, countNewlines } from './newlines';
import { parseNdjsonRecords, type LineRejection, type NdjsonOptions, type NdjsonRecordsResult } from './ndjson';

/** What a piece's parse needs besides its text: the caller's limits. */
export interface PieceOptions {
  maxLineBytes?: number;
  maxRejections?: number;
  /** Reject the engine's Logger values (NdjsonOptions.refuseEngineLoggers). */
  refuseEngineLoggers?: boolean;
  /** Not the body's first piece: a leading U+FEFF is content. */
  continuation: boolean;
}

/** A parsed piece, line numbers relative to its start (its first line is 1). */
export interface ParsedPiece {
  result: NdjsonRecordsResult;
  /** Newlines in the piece: how far the next piece's line numbers are shifted. */
  newlines: number;
}

/**
 * Layout of `buffer`: `count` uint32 record ends (each relative to the records
 * area), `count` uint32 relative line numbers, then the records back to back.
 */
export interface PackedPiece {
  buffer: ArrayBuffer;
  count: number;
  rejected: LineRejection[];
  rejectedCount: number;
  newlines: number;
}

/** Cut points [start, end) splitting `body` after newlines into pieces of about `pieceBytes`. */
export function splitAtNewlines(body: string | Uint8Array, pieceBytes: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const size = Math.max(1, Math.floor(pieceBytes));
  for (let start = 0; start < body.length; ) {
    let end = start + size;
    if (end >= body.length) end = body.length;
    else {
      const nl = typeof body === 'string' ? body.indexOf('\n', end - 1) : asBuffer(body).indexOf(0x0a, end - 1);
      end = nl === -1 ? body.length : nl + 1;
    }
    out.push([start, end]);
    start = end;
  }
  return out;
}

export function parsePiece(piece: string | Uint8Array, options: PieceOptions): ParsedPiece {
  const parseOptions: NdjsonOptions = { firstLine: 1, continuation: options.continuation };
  if (options.maxLineBytes !== undefined) parseOptions.maxLineBytes = options.maxLineBytes;
  if (options.maxRejections !== undefined) parseOptions.maxRejections = options.maxRejections;
  if (options.refuseEngineLoggers !== undefined) parseOptions.refuseEngineLoggers = options.refuseEngineLoggers;
  return { result: parseNdjsonRecords(piece, parseOptions), newlines: countNewlines(piece) };
}

/** Copy a parsed piece into one buffer that can be transferred (not cloned) to another thread. */
export function packPiece({ result, newlines }: ParsedPiece): PackedPiece {
  const count = result.encoded.length;
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += result.encoded[i].length;
  const buffer = new ArrayBuffer(8 * count + bytes);
  const ends = new Uint32Array(buffer, 0, count);
  const lines = new Uint32Array(buffer, 4 * count, count);
  const records = new Uint8Array(buffer, 8 * count);
  // The transcoder writes consecutive records back to back in its arena:
  // copy each such run with one call, not one call per record.
  let at = 0;
  let runBuffer: ArrayBufferLike | undefined;
  let runStart = 0;
  let runEnd = 0;
  const flush = () => {
    if (runBuffer !== undefined && runEnd > runStart) {
      records.set(new Uint8Array(runBuffer, runStart, runEnd - runStart), at);
      at += runEnd - runStart;
    }
  };
  for (let i = 0; i < count; i++) {
    const r = result.encoded[i];
    if (r.buffer !== runBuffer || r.byteOffset !== runEnd) {
      flush();
      runBuffer = r.buffer;
      runStart = runEnd = r.byteOffset;
    }
    runEnd += r.byteLength;
    ends[i] = at + (runEnd - runStart); // what is copied, plus the run so far
    lines[i] = result.lines[i];
  }
  flush();
  return { buffer, count, rejected: result.rejected, rejectedCount: result.rejectedCount, newlines };
}

/**
 * The parsed piece a PackedPiece holds (records are views into its buffer),
 * after checking it is whole and consistent; a message naming the first
 * inconsistency when it is not (the caller then parses the piece itself).
 */
export function unpackPiece(packed: unknown): ParsedPiece | string {
  if (typeof packed !== 'object' || packed === null) return 'not an object';
  const p = packed as Partial<PackedPiece>;
  if (!(p.buffer instanceof ArrayBuffer)) return 'no buffer';
  const { count, newlines, rejectedCount, rejected } = p;
  if (!isCount(count) || !isCount(newlines) || !isCount(rejectedCount)) return 'bad counts';
  if (!Array.isArray(rejected) || rejected.length > rejectedCount) return 'bad rejections';
  const buffer = p.buffer;
  if (buffer.byteLength < 8 * count) return `buffer of ${buffer.byteLength} bytes is too short for ${count} records`;
  const ends = new Uint32Array(buffer, 0, count);
  const lines = new Uint32Array(buffer, 4 * count, count);
  const records = new Uint8Array(buffer, 8 * count);
  const lastLine = newlines + 1;
  const encoded: Uint8Array[] = new Array(count);
  const lineList: number[] = new Array(count);
  let start = 0;
  let prevLine = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i];
    const line = lines[i];
    if (end <= start || end - start > MAX_MESSAGE_SIZE || end > records.length) return `record ${i} ends at ${end}, after ${start}`;
    if (line <= prevLine || line > lastLine) return `record ${i} has line ${line}, after ${prevLine} (last ${lastLine})`;
    encoded[i] = records.subarray(start, end);
    lineList[i] = line;
    start = end;
    prevLine = line;
  }
  if (start !== records.length) return `${records.length - start} bytes after the last record`;
  for (const r of rejected as unknown[]) {
    const x = r as Partial<LineRejection>;
    if (typeof x !== 'object' || x === null || !isCount(x.line) || x.line < 1 || x.line > lastLine || typeof x.reason !== 'string') {
      return 'bad rejection entry';
    }
  }
  return {
    result: { encoded, lines: lineList, rejected: rejected as LineRejection[], rejectedCount },
    newlines,
  };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Joins parsed pieces, in input order, into one result with the body's line numbers. */
export class PieceJoiner {
  readonly result: NdjsonRecordsResult = { encoded: [], lines: [], rejected: [], rejectedCount: 0 };
  private nextLine: number;
  private readonly maxRejections: number;

  constructor(firstLine = 1, maxRejections = 1000) {
    this.nextLine = firstLine;
    this.maxRejections = maxRejections;
  }

  add({ result, newlines }: ParsedPiece): void {
    const shift = this.nextLine - 1;
    const out = this.result;
    for (let i = 0; i < result.encoded.length; i++) {
      out.encoded.push(result.encoded[i]);
      out.lines.push(result.lines[i] + shift);
    }
    for (const x of result.rejected) {
      if (out.rejected.length >= this.maxRejections) break;
      out.rejected.push({ line: x.line + shift, reason: x.reason });
    }
    out.rejectedCount += result.rejectedCount;
    this.nextLine += newlines;
  }
}
