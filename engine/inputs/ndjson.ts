/**
 * NDJSON input: Heka JSON, one message per line (list or shorthand Fields,
 * see engine/message/json.ts). Each line stands alone: a bad line is
 * rejected with its line number and reason, and never stops the others.
 * Missing Uuid / Timestamp are filled in (random v4 UUID, current time).
 * Blank lines are skipped; a trailing CR is dropped (CRLF files). A line
 * with no header or Fields key (`{"Typo":"x"}`) is rejected naming its keys;
 * with refuseEngineLoggers (live ingest), so is one whose Logger is the
 * engine's (engine-loggers.ts).
 */
import { MessageError, type Message } from '../message/message';
import { parseMessageJSON } from '../message/json';
import { encodeMessage } from '../message/protobuf';
import { firstInvalidUtf8 } from '../message/utf8';
import { isUtf8 } from 'node:buffer';
import { readMessageLazily } from '../message/lazy-message';
import { engineLoggerRefusal } from './engine-loggers';
import { jsonToProtobuf } from './json-to-protobuf';
import { asBuffer } from './newlines';

/** A rejected line: 1-based line number and why. */
export interface LineRejection {
  line: number;
  reason: string;
}

export interface NdjsonResult {
  accepted: Message[];
  /** The line each accepted message came from (same order as accepted). */
  lines: number[];
  /** The first `maxRejections` rejected lines. */
  rejected: LineRejection[];
  /** How many lines were rejected in all. */
  rejectedCount: number;
}

export interface NdjsonRecordsResult {
  /** Each valid line's message as encoded Heka protobuf. */
  encoded: Uint8Array[];
  /** The line each came from. */
  lines: number[];
  rejected: LineRejection[];
  rejectedCount: number;
}

export interface NdjsonOptions {
  /** Longer lines are rejected without being parsed. Default 1 MiB. */
  maxLineBytes?: number;
  /** Line number of the first line of `input` (for files read in chunks). Default 1. */
  firstLine?: number;
  /** How many rejections to keep with their reasons (all are counted). Default 1000. */
  maxRejections?: number;
  /**
   * `input` is a piece of a larger body that starts just after a newline: a
   * U+FEFF at its start is content (as on any later line), not a byte order
   * mark. Default false.
   */
  continuation?: boolean;
  /** Reject messages whose Logger is the engine's (engine-loggers.ts), as live ingest does. Default false. */
  refuseEngineLoggers?: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// For continuation pieces: a leading U+FEFF is kept, as content.
const utf8KeepBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parse NDJSON text or bytes (UTF-8) into messages and per-line rejections. */
export function parseNdjson(input: string | Uint8Array, options: NdjsonOptions = {}): NdjsonResult {
  const accepted: Message[] = [];
  const lines: number[] = [];
  const refuse = options.refuseEngineLoggers ?? false;
  const scan = scanLines(input, options, (text, line) => {
    const m = parseMessageJSON(text);
    if (refuse) refuseEngineLogger(m);
    accepted.push(m);
    lines.push(line);
  });
  return { accepted, lines, ...scan };
}

/**
 * Like parseNdjson, but each valid line becomes its encoded Heka protobuf
 * right away and the decoded message is dropped: what ingest stores, without
 * holding thousands of object graphs (much less garbage-collector work). A
 * line whose message cannot be encoded is rejected like any other bad line.
 */
export function parseNdjsonRecords(input: string | Uint8Array, options: NdjsonOptions = {}): NdjsonRecordsResult {
  const encoded: Uint8Array[] = [];
  const lines: number[] = [];
  const refuse = options.refuseEngineLoggers ?? false;
  const accept = (text: string, line: number) => {
    const m = parseMessageJSON(text);
    if (refuse) refuseEngineLogger(m);
    encoded.push(encodeMessage(m));
    lines.push(line);
  };
  // The fast path works on valid UTF-8 bytes. The decoder behind scanLines
  // drops a leading byte order mark and scanLines one more, so bytes lose up
  // to two and text one.
  let bytes: Uint8Array | undefined;
  let boms = options.continuation ? 0 : 2;
  if (typeof input !== 'string') {
    if (isUtf8(input)) bytes = input;
  } else if ((input as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    bytes = Buffer.from(input, 'utf8');
    boms = Math.min(boms, 1);
  }
  const scan =
    bytes === undefined
      ? scanLines(input, options, accept)
      : scanUtf8Lines(bytes, boms, options, accept, (record, line) => {
          encoded.push(record);
          lines.push(line);
        });
  return { encoded, lines, ...scan };
}

/** engineLoggerRefusal of a transcoded record (which always reads; if it did not, that is the reason). */
function loggerRefusalOf(record: Uint8Array): string | undefined {
  try {
    return engineLoggerRefusal(readMessageLazily(record));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function refuseEngineLogger(m: Message): void {
  const why = engineLoggerRefusal(m);
  if (why !== undefined) throw new MessageError(why);
}

// Lines are decoded one by one here, so a BOM inside is content, as in scanLines.
const utf8Line = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * scanLines for valid UTF-8 bytes: each line goes to jsonToProtobuf first,
 * and only when that declines (bad lines, rare forms, blank or over-long
 * lines) is it decoded and judged exactly as scanLines judges it.
 */
function scanUtf8Lines(
  bytes: Uint8Array,
  boms: number,
  options: NdjsonOptions,
  accept: (text: string, line: number) => void,
  acceptRecord: (record: Uint8Array, line: number) => void,
): Rejections {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const refuse = options.refuseEngineLoggers ?? false;
  const { visit, reject, result } = lineVisitor(options, accept);
  const lineEnds = asBuffer(bytes);
  let pos = 0;
  for (let k = 0; k < boms && bytes[pos] === 0xef && bytes[pos + 1] === 0xbb && bytes[pos + 2] === 0xbf; k++) pos += 3;
  for (let line = options.firstLine ?? 1; ; line++) {
    let nl = lineEnds.indexOf(0x0a, pos);
    if (nl === -1) nl = bytes.length;
    const end = nl > pos && bytes[nl - 1] === 13 ? nl - 1 : nl;
    if (end > pos) {
      // A first byte above space: not blank. Blank-looking and long lines take scanLines' checks.
      const record = bytes[pos] > 32 && end - pos <= maxLineBytes ? jsonToProtobuf(bytes, pos, end) : undefined;
      if (record !== undefined) {
        // The Logger checked in the record's bytes (no message decoded).
        const why = refuse ? loggerRefusalOf(record) : undefined;
        if (why === undefined) acceptRecord(record, line);
        else reject(line, why);
      } else visit(utf8Line.decode(bytes.subarray(pos, end)), line);
    }
    if (nl >= bytes.length) break;
    pos = nl + 1;
  }
  return result;
}

interface Rejections {
  rejected: LineRejection[];
  rejectedCount: number;
}

/** Call `accept` with each non-blank line (CR and BOM removed); a throw rejects that line. */
function scanLines(
  input: string | Uint8Array,
  options: NdjsonOptions,
  accept: (text: string, line: number) => void,
): Rejections {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const firstLine = options.firstLine ?? 1;
  const { visit, reject, result } = lineVisitor(options, accept);

  if (typeof input !== 'string') {
    // Fast path: the whole buffer is valid UTF-8 (the usual case).
    let text: string | undefined;
    try {
      text = (options.continuation ? utf8KeepBom : utf8).decode(input);
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      visitBytesLineByLine(input, firstLine, maxLineBytes, visit, reject);
      return result;
    }
    input = text;
  }

  if (!options.continuation && input.charCodeAt(0) === 0xfeff) input = input.slice(1); // a byte order mark
  let line = firstLine;
  for (let pos = 0; pos <= input.length; line++) {
    let nl = input.indexOf('\n', pos);
    if (nl === -1) nl = input.length;
    visit(input.slice(pos, nl), line);
    pos = nl + 1;
  }
  return result;
}

/** How one line of text is judged: `visit` calls `accept` unless the line is blank, too long or throws (a rejection). */
function lineVisitor(
  options: NdjsonOptions,
  accept: (text: string, line: number) => void,
): { visit: (raw: string, line: number) => void; reject: (line: number, reason: string) => void; result: Rejections } {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxRejections = options.maxRejections ?? 1000;
  const result: Rejections = { rejected: [], rejectedCount: 0 };
  const reject = (line: number, reason: string) => {
    result.rejectedCount++;
    if (result.rejected.length < maxRejections) result.rejected.push({ line, reason });
  };
  const visit = (raw: string, line: number) => {
    let text = raw;
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    // Blank (or whitespace-only) lines carry no message.
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when it could matter.
    if (text.length * 3 > maxLineBytes) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > maxLineBytes) {
        reject(line, `line is ${bytes} bytes, more than the ${maxLineBytes} byte maximum`);
        return;
      }
    }
    try {
      accept(text, line);
    } catch (err) {
      reject(line, err instanceof MessageError || err instanceof Error ? err.message : String(err));
    }
  };
  return { visit, reject, result };
}

/** The slow path, for input with invalid UTF-8 somewhere: decode and judge each line alone. */
function visitBytesLineByLine(
  bytes: Uint8Array,
  firstLine: number,
  maxLineBytes: number,
  visit: (text: string, line: number) => void,
  reject: (line: number, reason: string) => void,
): void {
  const lineEnds = asBuffer(bytes);
  let start = 0;
  let line = firstLine;
  while (start <= bytes.length) {
    let end = lineEnds.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const slice = bytes.subarray(start, end);
    if (slice.length > maxLineBytes) {
      reject(line, `line is ${slice.length} bytes, more than the ${maxLineBytes} byte maximum`);
    } else {
      let text: string | undefined;
      try {
        text = utf8.decode(slice);
      } catch {
        reject(line, `invalid UTF-8 at byte ${firstInvalidUtf8(slice) + 1} of the line`);
      }
      if (text !== undefined) visit(text, line);
    }
    start = end + 1;
    line++;
  }
}
