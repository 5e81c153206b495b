/**
 * Ingest entry points for the web app (HTTP bodies) and the CLI (files):
 * parse, then append what is valid to the stream as one batch, durably.
 * Every rejection names its line (NDJSON) or record and byte (Hindsight).
 */
import { LogError, type IngestResult, type MessageStream } from '../log/index';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { parseHindsightStream, type HindsightStreamOptions } from './hindsight-stream';
import { readMessageFile, type InputRejection, type MessageFileOptions, type MessageFormat } from './message-file';
import { parseNdjson, type NdjsonOptions } from './ndjson';

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

/**
 * Ingest an NDJSON body. Bad lines are rejected with their line number; the
 * valid ones are appended as one batch (all or none: a refusal such as
 * OVERLOADED or DISK_FULL rejects the promise and appends nothing).
 */
export async function ingestNdjson(
  stream: MessageStream,
  body: string | Uint8Array,
  options?: NdjsonOptions,
): Promise<IngestSummary> {
  const parsed = parseNdjson(body, options);
  const summary = emptySummary('ndjson', stream, parsed.rejected, parsed.rejectedCount);
  return append(stream, summary, parsed.accepted, undefined, (i) => ({ line: parsed.lines[i] }), options?.maxRejections);
}

/** Ingest a Hindsight framed-protobuf body; the same contract as ingestNdjson, per record. */
export async function ingestHindsight(
  stream: MessageStream,
  body: Uint8Array,
  options?: Omit<HindsightStreamOptions, 'final'>,
): Promise<IngestSummary> {
  const parsed = parseHindsightStream(body, { ...options, final: true });
  const summary = emptySummary('hindsight', stream, parsed.rejected, parsed.rejectedCount);
  return append(
    stream,
    summary,
    parsed.accepted,
    parsed.encoded,
    (i) => ({ record: parsed.records[i] }),
    options?.maxRejections,
  );
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
  for await (const batch of readMessageFile(path, options)) {
    summary ??= emptySummary(batch.format, stream, [], 0);
    addRejections(summary, batch.rejected, batch.rejectedCount, maxRejections);
    let waited = 0;
    for (;;) {
      try {
        await append(
          stream,
          summary,
          batch.messages,
          batch.encoded,
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
 * Append one batch and fold the result (and any encode rejections) into the
 * summary. With `encoded` (a Hindsight batch, already decoded once by the
 * parser), the bytes are stored as received and the decoded messages are
 * dropped: readers decode lazily, and the window holds bytes, not objects.
 */
async function append(
  stream: MessageStream,
  summary: IngestSummary,
  messages: Message[],
  encoded: (Uint8Array | undefined)[] | undefined,
  where: (i: number) => { line: number } | { record: number },
  maxRejections = 1000,
): Promise<IngestSummary> {
  if (messages.length === 0) return summary;
  const rejectedAt = (i: number, reason: string): InputRejection => {
    const w = where(i);
    return 'line' in w ? { line: w.line, reason } : { record: w.record, reason };
  };
  const extra: InputRejection[] = [];
  let r: IngestResult;
  if (encoded === undefined) {
    r = await stream.ingest(messages);
    for (const x of r.rejected) extra.push(rejectedAt(x.index, x.reason));
  } else {
    const records: Uint8Array[] = [];
    const index: number[] = [];
    for (let i = 0; i < messages.length; i++) {
      let e = encoded[i];
      if (e === undefined) {
        try {
          e = encodeMessage(messages[i]); // a message that needed a Uuid or Timestamp
        } catch (err) {
          extra.push(rejectedAt(i, err instanceof Error ? err.message : String(err)));
          continue;
        }
      }
      records.push(e);
      index.push(i);
    }
    r = await stream.ingestEncoded(records, { validated: true });
    for (const x of r.rejected) extra.push(rejectedAt(index[x.index], x.reason));
  }
  if (r.accepted > 0) {
    if (summary.accepted === 0) summary.first = r.first;
    summary.last = r.last;
    summary.accepted += r.accepted;
  }
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
