/**
 * Child process for the pool's keep-alive test: parses a large body on the
 * shared pool's workers, never closes the pool, and must still exit.
 */
import { messageToJSON } from '../../message/json';
import { sharedNdjsonParsePool } from '../ndjson-parse-pool';
import { sampleMessages } from '../sample-messages';

async function main(): Promise<void> {
  const pool = sharedNdjsonParsePool();
  if (!(await pool.warmUp())) throw new Error(`the parse workers did not start: ${JSON.stringify(pool.stats())}`);
  const body = Buffer.from(sampleMessages(2000, 5).map((m) => JSON.stringify(messageToJSON(m))).join('\n'));
  const r = await pool.parse(body);
  if (r.encoded.length !== 2000) throw new Error(`parsed ${r.encoded.length} of 2000`);
  process.stdout.write(`threaded pieces: ${pool.stats().piecesThreaded}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
