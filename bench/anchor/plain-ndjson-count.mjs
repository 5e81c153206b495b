// The NDJSON baseline of the anchor suite: a plain Node script (no Foresight
// code, no TypeScript) that reads a file of Heka JSON lines, JSON.parses each
// line and counts Type == 'telemetry' messages by Fields[docType], printing
// what the count-by-docType plugin prints. What `foresight run` on NDJSON is
// measured against ("at least half of a plain JSON.parse + count script").
//
// usage: node plain-ndjson-count.mjs <file.ndjson>
import { createReadStream } from 'node:fs';

const path = process.argv[2];
if (!path) {
  console.error('usage: node plain-ndjson-count.mjs <file.ndjson>');
  process.exit(2);
}
const counts = new Map();
let lines = 0;
let rest = '';
const count = (line) => {
  if (line.length === 0) return;
  lines++;
  const m = JSON.parse(line);
  if (m.Type !== 'telemetry') return;
  let dt = 'unknown';
  for (const f of m.Fields ?? []) {
    if (f.name === 'docType') {
      dt = f.value[0];
      break;
    }
  }
  counts.set(dt, (counts.get(dt) ?? 0) + 1);
};
const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 });
for await (const chunk of input) {
  const text = rest + chunk;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    count(text.slice(start, nl));
    start = nl + 1;
  }
  rest = text.slice(start);
}
count(rest);
let out = 'docType = Count\n';
for (const [k, v] of counts) out += `${k} = ${v}\n`;
process.stdout.write(out);
process.stderr.write(`${lines} lines\n`);
