/**
 * The log module's public face: the durable message stream and its parts.
 *
 * Most code needs only MessageStream:
 *
 *   const stream = await MessageStream.open(dataDir, { windowCapacity: 200_000 });
 *   const { accepted, first, last, rejected } = await stream.ingest(messages); // durable when resolved
 *   await stream.ingestEncoded(protobufs);   // bytes stored as given, decoded lazily by readers
 *   for await (const batch of stream.tail(stream.checkpoints.get('p') ?? stream.nextOffset)) {
 *     for (const entry of batch) { entry.offset; entry.encoded; entry.message; } // message: decoded on demand
 *     stream.checkpoints.set('p', batch[batch.length - 1].offset + 1); // saved about once a second
 *   }
 *   await stream.offsetForTime(ns);  // where a backfill "from time T" starts
 *   stream.recent();              // the newest messages (Run Matcher)
 *   stream.onPublish((entries) => ...);  // every acknowledged batch, in order
 *   await stream.close();
 *
 * Data directory layout: `log/` (segment files `<first offset, 20 digits>.log`
 * with `.idx` sparse indexes, and a LOCK), `checkpoints.json`.
 *
 * Guarantees: ingest resolves only once messages are fsynced (group commit);
 * offsets are consecutive integers and every reader sees them in that order;
 * after kill -9 every acknowledged message is still there and a torn record
 * at the tail is cut on open; disk full refuses ingest with LogFullError
 * (code DISK_FULL, retryAfterMs) without damaging what is stored; too much
 * pending ingest refuses with OverloadedError (OVERLOADED, retryAfterMs).
 *
 * Lower-level pieces, usable on their own: SegmentLog (segments of
 * Hindsight-framed protobuf on disk: `cat log/*.log` is a Hindsight stream),
 * RecentWindow (the in-memory ring), CheckpointStore (atomic reader
 * checkpoints), LogFs (the file-system seam tests use to inject failures).
 */
export { MessageStream } from './message-stream';
export type { IngestResult, MessageStreamOptions, PublishListener, StreamStats, TailOptions } from './message-stream';
export { SegmentLog } from './segment-log';
export type { AppendResult, LogRecord, LogStats, OpenReport, ReadOptions, SegmentLogOptions } from './segment-log';
export { RecentWindow, StreamEntry, DEFAULT_WINDOW_CAPACITY, DEFAULT_WINDOW_DECODED } from './recent-window';
export type { LogEntry } from './recent-window';
export { CheckpointStore } from './checkpoints';
export type { CheckpointStoreOptions } from './checkpoints';
export {
  LogError,
  LogFullError,
  LogWriteError,
  OverloadedError,
  LogClosedError,
  LogLockedError,
  LogCorruptError,
} from './errors';
export type { LogErrorCode } from './errors';
export { nodeLogFs } from './log-fs';
export type { LogFs } from './log-fs';
export { segmentFileName, parseSegmentFileName } from './segment-file';
