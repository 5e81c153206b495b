/**
 * Lock test process: `node --import tsx lock-holder.ts DATA_DIR`. Opens the
 * SegmentLog in DATA_DIR (taking the data-directory lock), prints
 * `ready <pid>` and holds it until killed; prints `error <code> <message>`
 * and exits 3 when the open is refused.
 */
import { LogError } from '../errors';
import { SegmentLog } from '../segment-log';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: lock-holder.ts DATA_DIR\n');
  process.exit(2);
}
try {
  await SegmentLog.open(dir);
  process.stdout.write(`ready ${process.pid}\n`);
  setInterval(() => undefined, 60_000);
} catch (err) {
  const code = err instanceof LogError ? err.code : 'ERROR';
  process.stdout.write(`error ${code} ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(3);
}
