/**
 * The engine as a separate process for the kill -9 test: starts an engine on
 * the data directory given as argv[2], deploys the sequence checker (once),
 * and ingests numbered messages as fast as the stream acknowledges them.
 * Reports on stdout, one line each: `ingested <next offset>` when an ingest
 * is acknowledged, `acked <next offset>` when the plugin's progress advances.
 */
import { Engine } from './engine';
import { SEQ_CHECKER, seqMessages } from './test-support';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: crash-child.ts DATA_DIR\n');
  process.exit(2);
}
const engine = await Engine.start({ dataDir, workers: 1, sampleStream: false });
engine.on((e) => {
  if (e.type === 'progress') process.stdout.write(`acked ${e.nextOffset}\n`);
});
if (!engine.plugin('alice.crash')) {
  await engine.deploy({ owner: 'alice', name: 'crash', code: SEQ_CHECKER, config: { message_matcher: 'Fields[seq] != NIL' } });
}
process.stdout.write('ready\n');
for (;;) {
  const next = engine.stream.nextOffset;
  const r = await engine.ingest(seqMessages(next, 200));
  process.stdout.write(`ingested ${r.last + 1}\n`);
  // Let the feed and the checkpoint timer run between ingests.
  await new Promise((res) => setTimeout(res, 2));
}
