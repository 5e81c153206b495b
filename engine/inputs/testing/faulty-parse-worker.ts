/**
 * A parse worker that misbehaves on purpose, for NdjsonParsePool's fallback
 * tests. The fault comes from its entry URL's query: ?fault=<kind>&after=<n>
 * (answer the first n pieces correctly, then misbehave):
 * - exit: the thread exits (a crash) on receiving a piece;
 * - throw: an uncaught exception in the thread;
 * - error: replies that the piece failed;
 * - inconsistent: replies with line numbers out of order;
 * - truncated: replies with a buffer shorter than the records it claims;
 * - load: throws while loading (never ready).
 */
import { answer, serve, type PieceReply } from '../ndjson-parse-protocol';

const query = new URL(import.meta.url).searchParams;
const fault = query.get('fault') ?? 'exit';
const after = Number(query.get('after') ?? '0');
let answered = 0;

if (fault === 'load') throw new Error('this worker fails to load');

serve((request) => {
  if (answered++ < after) return answer(request);
  if (fault === 'exit') process.exit(3);
  if (fault === 'throw') throw new Error('this worker throws');
  if (fault === 'error') return { reply: { id: request.id, error: 'refused on purpose' }, transfer: [] };
  const good = answer(request);
  const reply = good.reply as Extract<PieceReply, { packed: unknown }>;
  if (!('packed' in reply)) return good;
  const { packed } = reply;
  if (fault === 'inconsistent' && packed.count >= 2) {
    const lines = new Uint32Array(packed.buffer, 4 * packed.count, packed.count);
    [lines[0], lines[1]] = [lines[1], lines[0]];
  }
  if (fault === 'truncated') packed.buffer = packed.buffer.slice(0, Math.max(0, packed.buffer.byteLength - 7));
  return { reply, transfer: [packed.buffer] };
});
