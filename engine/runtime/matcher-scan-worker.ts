/**
 * Worker thread body for WindowMatcher (Run Matcher): evaluates one matcher
 * over chunks of encoded records, newest first, read in place. Progress goes
 * into the request's shared Int32Array as it happens (see ScanCells), so the
 * engine can give partial results even when this thread is stuck inside one
 * evaluation and has to be terminated. Between messages it checks the
 * request's cancel cell and stops early when the engine set it.
 */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority';
import { compileMatcher } from '../matcher';
import type { Message } from '../message/message';
import { readMessageLazily } from '../message/lazy-message';
import { ScanCell, type ScanChunk, type ScanPing, type ScanReply, type ScanStart } from './matcher-scan-protocol';

const port = parentPort;
if (!port) throw new Error('matcher-scan-worker.ts must run in a worker thread');
// One user's heavy run must not slow the server's own thread or the analysis workers.
lowerThreadPriority();

interface Scan {
  id: number;
  match: (m: Message) => boolean;
  pageStart: number;
  pageEnd: number;
  cells: Int32Array;
}

let scan: Scan | undefined;

port.on('message', (msg: ScanStart | ScanChunk | ScanPing) => {
  try {
    if (msg.t === 'scan') start(msg);
    else if (msg.t === 'chunk') chunk(msg);
    else port!.postMessage({ t: 'pong', id: msg.id } satisfies ScanReply);
  } catch (err) {
    port!.postMessage({ t: 'scan-failed', id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies ScanReply);
  }
});

function start(msg: ScanStart): void {
  scan = {
    id: msg.id,
    match: compileMatcher(msg.matcher),
    pageStart: msg.offset,
    pageEnd: msg.offset + msg.limit,
    cells: new Int32Array(msg.cells),
  };
  port!.postMessage({ t: 'scan-started', id: msg.id } satisfies ScanReply);
}

function chunk(msg: ScanChunk): void {
  const s = scan;
  // A chunk of a scan that was cancelled or replaced: nothing to do.
  if (!s || s.id !== msg.scan) {
    port!.postMessage({ t: 'chunk-done', id: msg.id, cancelled: true } satisfies ScanReply);
    return;
  }
  const cells = s.cells;
  let begin = 0;
  for (let i = 0; i < msg.ends.length; i++) {
    if (Atomics.load(cells, ScanCell.Cancel) !== 0) {
      scan = undefined;
      port!.postMessage({ t: 'chunk-done', id: msg.id, cancelled: true } satisfies ScanReply);
      return;
    }
    const end = msg.ends[i];
    let matched = false;
    try {
      matched = s.match(readMessageLazily(msg.data, begin, end));
    } catch {
      // A record that does not decode matches nothing (the stream stores only messages that decode).
    }
    begin = end;
    if (matched) {
      const n = Atomics.load(cells, ScanCell.Matched);
      if (n >= s.pageStart && n < s.pageEnd) {
        // The page slot before the count, so a reader never sees a count without its position.
        Atomics.store(cells, ScanCell.Page + (n - s.pageStart), msg.position + i);
        Atomics.add(cells, ScanCell.PageCount, 1);
      }
      Atomics.add(cells, ScanCell.Matched, 1);
    }
    Atomics.add(cells, ScanCell.Scanned, 1);
  }
  port!.postMessage({ t: 'chunk-done', id: msg.id, cancelled: false } satisfies ScanReply);
}

// Compile once so the first real request does not pay for loading the matcher modules.
compileMatcher("Type == 'warm-up' && Payload =~ '^x'");
port.postMessage({ t: 'ready' });
