/**
 * The live engine as a process of its own, for the anchor suite's
 * `anchor.live_engine` figure: a real Engine (durable log, analysis worker
 * threads as the server sets them, no sample stream) behind an HTTP ingest
 * endpoint that takes framed bodies exactly as POST /api/ingest does
 * (ingestIntoStream, the route's own function, with its 16 MiB body limit;
 * without Next's routing and the token check, which cost the same per request
 * whatever the body holds), and the README's count-by-docType plugin.
 *
 * It measures itself: whole-process CPU (process.cpuUsage(): every thread,
 * GC helpers included) and wall time from the first request's arrival until
 * the plugin has processed the last of `count` messages. Then it stops the
 * plugin and prints one JSON line with the figures and the plugin's output.
 *
 * usage: node --import tsx live-engine-child.ts <data-dir> <count> <plugin.js> <matcher>
 * prints {"port":N} once listening, then {"cpuSeconds",...} when done.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Engine } from '../../engine/runtime/engine';
import { ingestIntoStream } from '../../lib/portal-engine';

const MAX_BODY = 16 * 1024 * 1024; // INGEST_MAX_BYTES in lib/ingest.ts
const [dataDir, countArg, pluginPath, matcher] = process.argv.slice(2);
const count = Number(countArg);
if (!dataDir || !Number.isSafeInteger(count) || count <= 0 || !pluginPath || !matcher) {
  console.error('usage: live-engine-child.ts <data-dir> <count> <plugin.js> <matcher>');
  process.exit(2);
}

const engine = await Engine.start({ dataDir, sampleStream: false });
const id = 'bench.counts';
await engine.deploy({ owner: 'bench', name: 'counts', code: readFileSync(pluginPath, 'utf8'), config: { message_matcher: matcher } });

let started: { cpu: NodeJS.CpuUsage; at: number } | undefined;
let accepted = 0;
const rejected: unknown[] = [];

const finished = new Promise<void>((resolve) => {
  const off = engine.on((e) => {
    if (e.type === 'progress' && e.id === id && e.nextOffset >= count) {
      off();
      resolve();
    }
  });
});

const server = createServer((req, res) => {
  started ??= { cpu: process.cpuUsage(), at: performance.now() };
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) {
      res.writeHead(413).end('body over 16 MiB');
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return;
    ingestIntoStream(engine.stream, { format: 'hindsight', body: Buffer.concat(chunks, size), maxErrors: 100 }).then(
      (r) => {
        if (r.ok) {
          accepted += r.accepted;
          if (r.rejected) rejected.push(...r.errors);
        }
        res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
      },
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});

await finished;
const cpu = process.cpuUsage(started!.cpu);
const wallSeconds = (performance.now() - started!.at) / 1000;
server.close();
await engine.stopPlugin(id);
const output = engine.outputs.get(`analysis.${id}.types.txt`);
console.log(
  JSON.stringify({
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds,
    accepted,
    rejected: rejected.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    payload: output?.payload ?? null,
  }),
);
await engine.stop();
process.exit(0);
