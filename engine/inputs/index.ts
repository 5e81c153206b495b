/**
 * The inputs module's public face: how messages get into the stream.
 *
 * - ingestNdjson(stream, body) / ingestHindsight(stream, bytes): HTTP bodies.
 *   Valid messages are appended as one durable batch; each bad line/record is
 *   rejected with its position and reason ({line, reason} / {record, byte,
 *   reason}); missing Uuid/Timestamp are filled in. Refusals from the stream
 *   (OVERLOADED, DISK_FULL: LogError with retryAfterMs) reject the promise.
 *   A line or record with no Heka header or field, and one whose Logger
 *   the engine uses for its own messages (ENGINE_LOGGER_PREFIXES: analysis.,
 *   input., output.), is rejected with its reason.
 *   Large NDJSON bodies are parsed on a few worker threads (NdjsonParsePool;
 *   the shared one starts lazily, idles without holding the process, and
 *   closeNdjsonParsePool() stops it; configureNdjsonParsePool sets threads).
 * - ingestFile(stream, path): a recorded NDJSON or Hindsight file, chunk by
 *   chunk; readMessageFile(path) yields the same batches without a stream,
 *   each record read once and in place (for `foresight run` / `foresight
 *   match` over files, which accept the engine's Logger values: recordings
 *   from Hindsight hold them).
 * - parseNdjson / parseHindsightStream: the parsers alone, no stream
 *   (parseNdjsonRecords / parseHindsightRecords: validated protobufs only,
 *   what ingest stores; the window then holds bytes and decodes on access).
 * - SampleStream: the built-in live sample data (real clock, configurable
 *   rate) feeding a sink, normally `(ms) => stream.ingest(ms)`.
 * - sampleMessages / sampleMessage: deterministic sample data for tests and
 *   benchmarks.
 */
export { ingestNdjson, ingestHindsight, ingestFile, IngestFileError } from './ingest';
export type { IngestSummary, IngestFileOptions, IngestNdjsonOptions } from './ingest';
export {
  NdjsonParsePool,
  sharedNdjsonParsePool,
  configureNdjsonParsePool,
  closeNdjsonParsePool,
} from './ndjson-parse-pool';
export type { NdjsonParsePoolOptions, NdjsonParsePoolStats } from './ndjson-parse-pool';
export { parseNdjson, parseNdjsonRecords, DEFAULT_MAX_LINE_BYTES } from './ndjson';
export type { NdjsonResult, NdjsonRecordsResult, NdjsonOptions, LineRejection } from './ndjson';
export { parseHindsightStream, parseHindsightRecords } from './hindsight-stream';
export type { HindsightStreamResult, HindsightRecordsResult, HindsightStreamOptions, RecordRejection } from './hindsight-stream';
export { readMessageFile, formatFromName, sniffFormat } from './message-file';
export { ENGINE_LOGGER_PREFIXES, engineLoggerRefusal } from './engine-loggers';
export type { MessageBatch, MessageFileOptions, MessageFormat, InputRejection } from './message-file';
export { SampleStream } from './sample-stream';
export type { SampleStreamOptions, SampleStreamStats, MessageSink } from './sample-stream';
export { sampleMessages, sampleMessage, createRng } from './sample-messages';
export type { Rng } from './sample-messages';
