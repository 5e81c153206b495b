/**
 * Crash-test writer: `node --import tsx crash-child.ts DATA_DIR RUN_ID [TEAR_AT_WRITE]`.
 * Ingests sample messages as fast as it can (several batches in flight),
 * each tagged with Fields[run] and Fields[seq], and prints
 * `ack FIRST LAST SEQ` for every acknowledged batch, until it is killed.
 * The test kills it with SIGKILL at random moments and checks the log.
 */
import { writeSync } from 'node:fs';
import { sampleMessage, createRng } from '../../inputs/sample-messages';
import { ValueType, type Message } from '../../message/message';
import { nodeLogFs, type LogFs } from '../log-fs';
import { MessageStream } from '../message-stream';

const [dir, runArg, tearArg] = process.argv.slice(2);
if (!dir || !runArg) {
  process.stderr.write('usage: crash-child.ts DATA_DIR RUN_ID [TEAR_AT_WRITE]\n');
  process.exit(2);
}
const run = Number(runArg);
const stream = await MessageStream.open(dir, {
  log: { segmentBytes: 256 * 1024 },
  windowCapacity: 2000,
  checkpointIntervalMs: 20,
  fs: tearArg ? tearingFs(Number(tearArg)) : undefined,
});

/**
 * A real crash in the middle of a write: the TEAR_AT_WRITE-th write to a
 * segment writes only part of its buffer, then the process SIGKILLs itself.
 */
function tearingFs(tearAt: number): LogFs {
  const paths = new Map<number, string>();
  let writes = 0;
  return {
    ...nodeLogFs,
    async open(path, flags) {
      const fd = await nodeLogFs.open(path, flags);
      paths.set(fd, path);
      return fd;
    },
    async write(fd, buf, offset, length, position) {
      if ((paths.get(fd) ?? '').endsWith('.log') && ++writes === tearAt && length > 1) {
        const part = 1 + Math.floor(Math.random() * (length - 1));
        writeSync(fd, buf, offset, part, position);
        process.kill(process.pid, 'SIGKILL');
      }
      return nodeLogFs.write(fd, buf, offset, length, position);
    },
  };
}
const rng = createRng(1000 + run);
let seq = 0;
const inflight = new Set<Promise<void>>();
process.stdout.write(`ready ${stream.nextOffset}\n`);

for (;;) {
  while (inflight.size < 4) {
    const n = 1 + Math.floor(rng() * 300);
    const startSeq = seq;
    const batch: Message[] = [];
    for (let i = 0; i < n; i++, seq++) {
      const m = sampleMessage(rng, seq);
      m.fields.push(
        { name: 'run', valueType: ValueType.INTEGER, representation: '', value: [run] },
        { name: 'seq', valueType: ValueType.INTEGER, representation: '', value: [seq] },
      );
      batch.push(m);
    }
    const p: Promise<void> = stream.ingest(batch).then(
      (r) => {
        // stdout on a pipe is synchronous on Linux: once written, the parent can see it.
        process.stdout.write(`ack ${r.first} ${r.last} ${startSeq}\n`);
        stream.checkpoints.set('crash-child', r.last + 1);
      },
      (err) => {
        process.stdout.write(`error ${String(err)}\n`);
        process.exit(1);
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.race(inflight);
}
