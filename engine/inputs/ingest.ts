/**
 * Ingest entry points for the web app (HTTP bodies) and the CLI (files):
 * parse, then append what is valid to the stream as one batch, durably.
 * Every rejection names its line (NDJSON) or record and byte (Hindsight).
 * What enters the live stream may not pass for the engine's own messages:
 * Logger values the engine uses (engine-loggers.ts) are refused here.
 */
import { LogError, type IngestResult, type MessageStream } from '../log/index';
import { scanHindsightStream, type AcceptRecord, type HindsightRecordsResult, type HindsightStreamOptions } from './hindsight-stream';
import { readMessageFile, type InputRejection, type MessageFileOptions, type MessageFormat } from './message-file';
import { type NdjsonOptions } from './ndjson';
import { parseNdjsonInSlices, sharedNdjsonParsePool, type NdjsonParsePool } from './ndjson-parse-pool';

export interface IngestSummary {
  format: MessageFormat;
  /** Messages appended, all durable. */
  accepted: number;
  /** The first rejections with reasons (at most maxRejections). */
  rejected: InputRejection[];
  /** All rejections, counted. */
  rejectedCount: number;
  /** Offsets of the first and last appended message (last = first - 1 when none). */
  first: number;
  last: number;
}

/** File ingest stopped by a refusal (e.g. DISK_FULL): what was already appended stays, and is in `summary`. */
export class IngestFileError extends Error {
  readonly code: string;
  readonly summary: IngestSummary;
  constructor(path: string, summary: IngestSummary, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`ingest of ${path} stopped after ${summary.accepted} messages: ${why}`, { cause });
    this.name = 'IngestFileError';
    this.code = cause instanceof LogError ? cause.code : 'FAILED';
    this.summary = summary;
  }
}

export interface IngestNdjsonOptions extends NdjsonOptions {
  /**
   * Who parses a large body: a parse pool (default: the shared one, see
   * ndjson-parse-pool.ts) or `false` for the calling thread alone (in
   * slices, yielding to the event loop between them).
   */
  pool?: NdjsonParsePool | false;
}

/**
 * Ingest an NDJSON body. Bad lines are rejected with their line number; the
 * valid ones are appended as one batch (all or none: a refusal such as
 * OVERLOADED or DISK_FULL rejects the promise and appends nothing). Large
 * bodies are parsed on worker threads, all of it before anything is appended.
 */
export async function ingestNdjson(
  stream: MessageStream,
  body: string | Uint8Array,
  options?: IngestNdjsonOptions,
): Promise<IngestSummary> {
  const { pool, ...rest } = options ?? {};
  const parseOptions = { ...rest, refuseEngineLoggers: true };
  const parsed =
    pool === false ? await parseNdjsonInSlices(body, parseOptions) : await (pool ?? sharedNdjsonParsePool()).parse(body, parseOptions);
  const summary = emptySummary('ndjson', stream, parsed.rejected, parsed.rejectedCount);
  return append(stream, summary, parsed.encoded, (i) => ({ line: parsed.lines[i] }), options?.maxRejections);
}

/** Ingest a Hindsight framed-protobuf body; the same contract as ingestNdjson, per record. */
export async function ingestHindsight(
  stream: MessageStream,
  body: Uint8Array,
  options?: Omit<HindsightStreamOptions, 'final'>,
): Promise<IngestSummary> {
  const parsed = await parseHindsightInSlices(body, { ...options, refuseEngineLoggers: true });
  const summary = emptySummary('hindsight', stream, parsed.rejected, parsed.rejectedCount);
  const where = (i: number) => ({ record: parsed.records[i] });
  return append(stream, summary, parsed.encoded, where, options?.maxRejections, parsed.canonical ? body : undefined);
}

/**
 * Bodies are parsed a slice at a time, yielding to the event loop between
 * slices, so a large POST does not stall the portal for its whole parse.
 */
const SLICE_BYTES = 256 * 1024;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A framed body parsed; `canonical` when the body is nothing but its accepted
 * records, each framed exactly as the log frames it (0x1E, header length,
 * 0x08, length varint, 0x1F): then the log stores the body's bytes as they
 * are, in one copy, instead of framing a million records one by one.
 */
interface ParsedBody extends HindsightRecordsResult {
  canonical: boolean;
}

async function parseHindsightInSlices(
  body: Uint8Array,
  options: Omit<HindsightStreamOptions, 'final'> = {},
): Promise<ParsedBody> {
  const base = options.byteOffset ?? 0;
  const max = options.maxRejections ?? 1000;
  const out: ParsedBody = { encoded: [], records: [], rejected: [], rejectedCount: 0, consumed: 0, nextRecord: 0, canonical: true };
  let record = options.firstRecord ?? 1;
  // Where, in the current slice, the next record's framing must start for the body to stay canonical.
  let expected = 0;
  // Each slice's records go straight into `out`: no per-slice arrays copied over.
  const accept: AcceptRecord = (_message, bytes, start, end, n) => {
    out.encoded.push(bytes.subarray(start, end));
    out.records.push(n);
    if (out.canonical) {
      out.canonical = start - canonicalHeadBytes(end - start) === expected && isCanonicalHead(bytes, expected, end - start);
      expected = end;
    }
  };
  for (let pos = 0; pos < body.length || pos === 0; ) {
    const end = Math.min(body.length, pos + SLICE_BYTES);
    const sliceOptions = { ...options, maxRejections: max - out.rejected.length, byteOffset: base + pos, firstRecord: record };
    expected = 0;
    let r = scanHindsightStream(body.subarray(pos, end), { ...sliceOptions, final: end === body.length }, accept);
    // No complete record in a slice (cannot happen with slices above 64 KiB, but be sure): take the rest.
    if (r.consumed === 0 && end < body.length) r = scanHindsightStream(body.subarray(pos), { ...sliceOptions, final: true }, accept);
    if (expected !== r.consumed) out.canonical = false; // bytes that are no accepted record's
    for (const x of r.rejected) out.rejected.push(x);
    out.rejectedCount += r.rejectedCount;
    record = r.nextRecord;
    pos += r.consumed;
    if (pos >= body.length) break;
    await yieldToEventLoop();
  }
  out.consumed = body.length;
  out.nextRecord = record;
  if (out.rejectedCount > 0 || body.length === 0) out.canonical = false;
  return out;
}

/** Bytes of the framing the log writes before a message of `len` bytes. */
function canonicalHeadBytes(len: number): number {
  return len < 0x80 ? 5 : len < 0x4000 ? 6 : 7;
}

/** Whether bytes[at..] holds the framing the log writes before a message of `len` bytes. */
function isCanonicalHead(bytes: Uint8Array, at: number, len: number): boolean {
  const head = canonicalHeadBytes(len);
  if (bytes[at] !== 0x1e || bytes[at + 1] !== head - 3 || bytes[at + 2] !== 0x08 || bytes[at + head - 1] !== 0x1f) return false;
  let p = at + 3;
  let v = len;
  while (v >= 0x80) {
    if (bytes[p++] !== ((v & 0x7f) | 0x80)) return false;
    v >>>= 7;
  }
  return bytes[p] === v && p === at + head - 2;
}

export interface IngestFileOptions extends MessageFileOptions {
  /** Give up when the stream stays OVERLOADED this long. Default 60 s. */
  overloadTimeoutMs?: number;
}

/**
 * Ingest a recorded file chunk by chunk (each chunk one batch). Waits out
 * OVERLOADED refusals; any other refusal throws IngestFileError carrying what
 * was already appended.
 */
export async function ingestFile(stream: MessageStream, path: string, options: IngestFileOptions = {}): Promise<IngestSummary> {
  const maxRejections = options.maxRejections ?? 1000;
  let summary: IngestSummary | undefined;
  const overloadTimeoutMs = options.overloadTimeoutMs ?? 60_000;
  for await (const batch of readMessageFile(path, { ...options, as: 'encoded', refuseEngineLoggers: true })) {
    summary ??= emptySummary(batch.format, stream, [], 0);
    addRejections(summary, batch.rejected, batch.rejectedCount, maxRejections);
    let waited = 0;
    for (;;) {
      try {
        await append(
          stream,
          summary,
          batch.encoded ?? [],
          (i) => (batch.format === 'ndjson' ? { line: batch.positions[i] } : { record: batch.positions[i] }),
          maxRejections,
        );
        break;
      } catch (err) {
        if (err instanceof LogError && err.code === 'OVERLOADED' && waited < overloadTimeoutMs) {
          const ms = err.retryAfterMs ?? 100;
          waited += ms;
          await new Promise((r) => setTimeout(r, ms));
          continue;
        }
        throw new IngestFileError(path, summary, err);
      }
    }
  }
  return summary ?? emptySummary(options.format ?? 'ndjson', stream, [], 0);
}

function emptySummary(
  format: MessageFormat,
  stream: MessageStream,
  rejected: InputRejection[],
  rejectedCount: number,
): IngestSummary {
  return { format, accepted: 0, rejected, rejectedCount, first: stream.nextOffset, last: stream.nextOffset - 1 };
}

/**
 * Append one batch and fold the result into the summary. Parsers hand over
 * encoded records (each already validated), stored byte for byte and decoded
 * lazily by readers, so the window holds bytes, not object graphs.
 */
async function append(
  stream: MessageStream,
  summary: IngestSummary,
  encoded: Uint8Array[],
  where: (i: number) => { line: number } | { record: number },
  maxRejections = 1000,
  framed?: Uint8Array,
): Promise<IngestSummary> {
  const r: IngestResult = encoded.length
    ? await stream.ingestEncoded(encoded, { validated: true, framed })
    : { accepted: 0, first: stream.nextOffset, last: stream.nextOffset - 1, rejected: [] };
  if (r.accepted > 0) {
    if (summary.accepted === 0) summary.first = r.first;
    summary.last = r.last;
    summary.accepted += r.accepted;
  }
  const extra = r.rejected.map((x): InputRejection => {
    const w = where(x.index);
    return 'line' in w ? { line: w.line, reason: x.reason } : { record: w.record, reason: x.reason };
  });
  addRejections(summary, extra, extra.length, maxRejections);
  return summary;
}

function addRejections(summary: IngestSummary, more: InputRejection[], count: number, max: number): void {
  summary.rejectedCount += count;
  for (const x of more) {
    if (summary.rejected.length >= max) break;
    summary.rejected.push(x);
  }
}
