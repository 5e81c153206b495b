/**
 * Recorded message files, NDJSON or Hindsight framed protobuf, read in
 * chunks so a file of any size streams through in bounded memory. The format
 * comes from the caller, the extension, or the first bytes.
 *
 * Each record is read once, in place: a Hindsight record is validated by the
 * in-place reader's one scan and its message read from the chunk's buffer; an
 * NDJSON line is transcoded to protobuf (json-to-protobuf.ts) and read the
 * same way. A batch's messages keep their chunk's buffer (each chunk is a new
 * one), so they stay valid after the next batch is read.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { readMessageLazily } from '../message/lazy-message';
import type { Message } from '../message/message';
import { parseHindsightRecords, scanHindsightStream, type RecordRejection } from './hindsight-stream';
import { DEFAULT_MAX_LINE_BYTES, parseNdjsonRecords, type LineRejection } from './ndjson';
import { countNewlines } from './newlines';

export type MessageFormat = 'ndjson' | 'hindsight';
export type InputRejection = LineRejection | RecordRejection;

/** One chunk's worth of a file. */
export interface MessageBatch {
  format: MessageFormat;
  /** The messages, read in place from their records (empty when reading `as: 'encoded'`). */
  messages: Message[];
  /**
   * Each message's protobuf, for `as: 'encoded'`: Hindsight records as read
   * (Uuid/Timestamp prepended where missing), NDJSON lines encoded.
   * Undefined for `as: 'messages'` (a message's bytes are its `bytes`).
   */
  encoded: Uint8Array[] | undefined;
  /** Line (NDJSON) or record (Hindsight) number of each message. */
  positions: number[];
  rejected: InputRejection[];
  rejectedCount: number;
}

export interface MessageFileOptions {
  /** Default: from the extension, else sniffed from the first bytes. */
  format?: MessageFormat;
  /**
   * Bytes read at a time. Default 1 MiB: a batch's messages stay alive until
   * it is consumed, and fewer of them alive at each young-generation
   * collection means less copied and promoted (4 MiB chunks cost `foresight
   * match` about a third more CPU, mostly GC).
   */
  chunkBytes?: number;
  /** NDJSON lines longer than this are rejected. Default 1 MiB. */
  maxLineBytes?: number;
  /** Rejections kept with reasons per batch. Default 1000. */
  maxRejections?: number;
  /** 'messages' (default): messages read in place; 'encoded': only their protobufs, for storing. */
  as?: 'messages' | 'encoded';
  /** Reject messages whose Logger is the engine's (engine-loggers.ts), as live ingest does. Default false: files recorded from Hindsight hold analysis plugins' messages. */
  refuseEngineLoggers?: boolean;
}

const EXTENSIONS: Record<string, MessageFormat> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.log': 'hindsight',
  '.hpb': 'hindsight',
  '.heka': 'hindsight',
  '.pb': 'hindsight',
  '.bin': 'hindsight',
};

/** The format a file name implies, if its extension says. */
export function formatFromName(path: string): MessageFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/** Guess the format from a file's first bytes: a record separator (0x1E) means Hindsight. */
export function sniffFormat(head: Uint8Array): MessageFormat {
  for (const b of head) {
    if (b === 0x1e) return 'hindsight';
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b /* { */ ? 'ndjson' : head.subarray(0, 4096).includes(0x1e) ? 'hindsight' : 'ndjson';
  }
  return 'ndjson';
}

/** Read `path` batch by batch (one batch per chunk read). */
export async function* readMessageFile(path: string, options: MessageFileOptions = {}): AsyncGenerator<MessageBatch> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxRejections = options.maxRejections ?? 1000;
  const encodedOnly = options.as === 'encoded';
  const refuseEngineLoggers = options.refuseEngineLoggers ?? false;
  const file = await open(path, 'r');
  try {
    let format = options.format ?? formatFromName(path);
    let carry: Uint8Array = new Uint8Array(0);
    let position = 0; // Hindsight: file bytes before `carry`
    let line = 1; // NDJSON: number of carry's first line
    let record = 1; // Hindsight: number of carry's first record
    let skippingLongLine = false; // NDJSON: inside an over-long line, discarding until its end
    for (;;) {
      // A new buffer per chunk, the last one's unfinished tail copied to its
      // front: the file is read straight into place, and messages read in
      // place from earlier chunks keep theirs.
      const room = Buffer.allocUnsafeSlow(carry.length + chunkBytes);
      const buffer = new Uint8Array(room.buffer, room.byteOffset, room.length);
      buffer.set(carry, 0);
      const { bytesRead } = await file.read(buffer, carry.length, chunkBytes, null);
      const eof = bytesRead === 0;
      const data = buffer.subarray(0, carry.length + bytesRead);
      format ??= sniffFormat(data);

      if (format === 'hindsight') {
        const opts = { final: eof, byteOffset: position, firstRecord: record, maxRejections, refuseEngineLoggers };
        const batch = emptyBatch(format);
        let r;
        if (encodedOnly) {
          r = parseHindsightRecords(data, opts);
          batch.encoded = r.encoded;
          batch.positions = r.records;
        } else {
          const { messages, positions } = batch;
          r = scanHindsightStream(data, opts, (message, _bytes, _start, _end, n) => {
            messages.push(message);
            positions.push(n);
          });
        }
        batch.rejected = r.rejected;
        batch.rejectedCount = r.rejectedCount;
        record = r.nextRecord;
        position += r.consumed;
        carry = data.subarray(r.consumed);
        if (batch.positions.length || batch.rejectedCount) yield batch;
        if (eof) return;
        continue;
      }

      // NDJSON: parse whole lines; keep the unfinished last line for the next chunk.
      const batch = emptyBatch(format);
      let rest = data;
      if (skippingLongLine) {
        const nl = rest.indexOf(0x0a);
        if (nl === -1 && !eof) {
          carry = new Uint8Array(0);
          continue;
        }
        skippingLongLine = false;
        batch.rejectedCount++;
        batch.rejected.push({ line, reason: `line is more than ${maxLineBytes} bytes long, the maximum` });
        line++;
        rest = nl === -1 ? rest.subarray(rest.length) : rest.subarray(nl + 1);
      }
      const cut = eof ? rest.length : rest.lastIndexOf(0x0a) + 1;
      if (cut === 0 && !eof && rest.length > maxLineBytes) {
        // No line end in sight and already too long: reject the line once it ends.
        skippingLongLine = true;
        carry = new Uint8Array(0);
      } else {
        const piece = rest.subarray(0, cut);
        const r = parseNdjsonRecords(piece, { firstLine: line, maxLineBytes, maxRejections, refuseEngineLoggers });
        if (encodedOnly) batch.encoded = r.encoded;
        else {
          // Read in place from the transcoder's records (most share one arena).
          const messages = new Array<Message>(r.encoded.length);
          for (let i = 0; i < messages.length; i++) messages[i] = readMessageLazily(r.encoded[i]);
          batch.messages = messages;
        }
        batch.positions = r.lines;
        batch.rejected.push(...r.rejected);
        batch.rejectedCount += r.rejectedCount;
        line += countNewlines(piece);
        carry = rest.subarray(cut);
      }
      if (batch.positions.length || batch.rejectedCount) yield batch;
      if (eof) return;
    }
  } finally {
    await file.close();
  }
}

function emptyBatch(format: MessageFormat): MessageBatch {
  return { format, messages: [], encoded: undefined, positions: [], rejected: [], rejectedCount: 0 };
}
