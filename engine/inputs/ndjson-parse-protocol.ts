/**
 * The parse worker protocol and its worker side: each request is one piece
 * of an NDJSON body; the reply is the parsed piece packed into one
 * transferred buffer. A piece that throws as a whole (it should not: bad
 * lines are rejections) is reported as an error and the caller parses it
 * itself.
 */
import { parentPort } from 'node:worker_threads';
import { packPiece, parsePiece, type PackedPiece, type PieceOptions } from './ndjson-piece';

export interface PieceRequest {
  id: number;
  piece: string | Uint8Array;
  options: PieceOptions;
}

export type PieceReply = { id: number; packed: PackedPiece } | { id: number; error: string };
/** Sent once the worker's modules are loaded: from then on it answers promptly. */
export interface WorkerReady {
  ready: true;
}

export function answer(request: PieceRequest): { reply: PieceReply; transfer: ArrayBuffer[] } {
  try {
    const packed = packPiece(parsePiece(request.piece, request.options));
    return { reply: { id: request.id, packed }, transfer: [packed.buffer] };
  } catch (err) {
    return { reply: { id: request.id, error: err instanceof Error ? err.message : String(err) }, transfer: [] };
  }
}

/** Serve requests on the parent port (the worker's main loop). */
export function serve(handle: (request: PieceRequest) => { reply: PieceReply; transfer: ArrayBuffer[] } = answer): void {
  if (!parentPort) throw new Error('ndjson-parse-worker must run in a worker thread');
  const port = parentPort;
  port.on('message', (request: PieceRequest) => {
    const { reply, transfer } = handle(request);
    port.postMessage(reply, transfer);
  });
  port.postMessage({ ready: true } satisfies WorkerReady);
}
