/**
 * Messages between WindowMatcher (Run Matcher, main thread) and a
 * matcher-scan worker, and the layout of the shared progress cells the
 * worker writes as it scans.
 */

/** Int32 cells of a scan's SharedArrayBuffer. */
export const ScanCell = {
  /** Set to 1 by the engine: stop before the next message. */
  Cancel: 0,
  /** Messages evaluated so far. */
  Scanned: 1,
  /** Matches so far. */
  Matched: 2,
  /** How many page slots are filled. */
  PageCount: 3,
  /** First of `limit` slots: the scan position (0 = newest) of each match on the page asked for. */
  Page: 4,
} as const;

/** Start a scan: the matcher, the page wanted, the progress cells (ScanCell.Page + limit Int32s). */
export interface ScanStart {
  t: 'scan';
  id: number;
  matcher: string;
  offset: number;
  limit: number;
  cells: SharedArrayBuffer;
}

/** Records at scan positions [position, position + ends.length), newest first, packed back to back. */
export interface ScanChunk {
  t: 'chunk';
  id: number;
  /** The id of the scan's ScanStart. */
  scan: number;
  position: number;
  data: Uint8Array;
  ends: Uint32Array;
}

/** Answered after every message sent before it: the worker is not stuck. */
export interface ScanPing {
  t: 'ping';
  id: number;
}

export type ScanReply =
  | { t: 'pong'; id: number }
  | { t: 'scan-started'; id: number }
  | { t: 'chunk-done'; id: number; cancelled: boolean }
  | { t: 'scan-failed'; id: number; error: string };
