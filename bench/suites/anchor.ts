/**
 * Foresight against Hindsight, its ancestor, on the same machine, the same
 * file and the same plugin (issue 10's table), as a user runs each: whole
 * processes, measured from outside with wait4(2) (bench/anchor/rusage.c):
 * CPU = user + system of every thread (GC helpers included) and of any child
 * it waited for, start-up included; peak RSS = ru_maxrss; wall time beside.
 *
 * Builds lua_sandbox and hindsight_cli from ../shared/anchors once into a
 * cache outside git (bench/anchor/anchor-build.ts; skips, saying why, when
 * cmake or a C compiler is missing), writes 1M telemetry messages once as a
 * framed file and as NDJSON (bench/anchor/anchor-data.ts), then runs
 * interleaved rounds (Foresight, Hindsight, Foresight, Hindsight, ...) and
 * reports medians over the rounds:
 *
 * - anchor.count_by_doctype: `foresight run` (bin/foresight.js, the README's
 *   JavaScript plugin) vs hindsight_cli (its Lua twin), matcher
 *   `Type == 'telemetry'`, messages per CPU second; both outputs checked
 *   against the true counts (a wrong count fails the suite).
 * - anchor.matcher_only: the same with matcher `FALSE` (both must read the
 *   whole file and print no counts).
 * - anchor.startup_cpu: CPU seconds of each over an empty file; and
 *   anchor.startup_cpu_npx: the same through `npx foresight`, as the README
 *   tells users to type it (npx's own start-up included).
 * - anchor.peak_rss: `foresight run`'s peak RSS over the 1M file (the count
 *   run), beside Hindsight's.
 * - anchor.ndjson: `foresight run` over the same messages as NDJSON vs a plain
 *   Node script that only JSON.parses each line and counts
 *   (bench/anchor/plain-ndjson-count.mjs); both outputs checked.
 * - anchor.live_engine: the live engine end to end (framed bodies over HTTP
 *   into the log, worker, plugin; bench/anchor/live-engine-child.ts):
 *   messages per CPU second of the whole server process from the first request
 *   until the plugin has counted them all, vs Hindsight's count-by-docType in
 *   the same round; output checked.
 *
 * Each target is issue 10's "must reach". FORESIGHT_ANCHOR_ROUNDS sets the
 * number of rounds (default 5, at least 1); FORESIGHT_ANCHOR_PARTS picks
 * parts (comma-separated: count, matcher, startup, ndjson, live; all by
 * default), e.g. `FORESIGHT_ANCHOR_PARTS=startup npm run bench -- anchor`.
 * `live` runs `count` too: Hindsight's count is its baseline.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { readFrame } from '../../engine/message/framing';
import { anchorBuild, type AnchorBuild } from '../anchor/anchor-build';
import { anchorData, type AnchorData } from '../anchor/anchor-data';
import { checkCounts, foresightRunPayload, parseCountPayload } from '../anchor/count-payload';
import { runHindsight } from '../anchor/hindsight-run';
import { expectSuccess, measureProcess, type ProcessRun } from '../anchor/measure-process';
import { setSameRunAnchor } from '../anchor/same-run';
import type { Figure } from '../figure';

const ROOT = resolve(import.meta.dirname, '../..');
const COUNT = 1_000_000;
const MATCHER = "Type == 'telemetry'";
const ROUNDS = Math.max(1, Number(process.env.FORESIGHT_ANCHOR_ROUNDS ?? 5) || 5);
const HTTP_BODY_BYTES = 16 * 1024 * 1024; // /api/ingest's limit
const LIVE_TIMEOUT_MS = 600_000;

/** The README's count-by-docType plugin, verbatim. */
const JS_COUNT_PLUGIN = `var types = {};                         // \`var\` (or globalThis.x) so preserve_data can save it

function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  types[dt] = (types[dt] || 0) + 1;
  return 0;                             // 0 success, -1 (or [-1, "why"]) counted failure
}

function timer_event(ns, shutdown) {
  add_to_payload("docType = Count\\n");
  for (const [k, v] of Object.entries(types)) add_to_payload(k, " = ", v, "\\n");
  inject_payload("txt", "types");       // published as analysis.<user>.<plugin>.types.txt
}
`;

/** What a round can run; FORESIGHT_ANCHOR_PARTS picks some (all by default). */
const PARTS = ['count', 'matcher', 'startup', 'ndjson', 'live'] as const;
type Part = (typeof PARTS)[number];

interface Round {
  /** Also the peak-RSS figure and the live engine's baseline. */
  fCount?: ProcessRun;
  hCount?: ProcessRun;
  fMatcher?: ProcessRun;
  hMatcher?: ProcessRun;
  fEmpty?: ProcessRun;
  hEmpty?: ProcessRun;
  fEmptyNpx?: ProcessRun;
  fNdjson?: ProcessRun;
  plainNdjson?: ProcessRun;
  live?: LiveRun;
}

interface LiveRun {
  cpuSeconds: number;
  wallSeconds: number;
  maxRssBytes: number;
}

export async function run(): Promise<Figure[]> {
  const parts = chosenParts();
  const built = anchorBuild();
  if (!built.ok) {
    console.log(`anchor: skipped: ${built.skip}`);
    return [];
  }
  const build = built.build;
  const data = await anchorData(join(build.cache, 'data'), COUNT);
  const work = join(build.cache, 'runs');
  mkdirSync(work, { recursive: true });
  const plugin = join(work, 'count-by-doctype.js');
  writeFileSync(plugin, JS_COUNT_PLUGIN);
  const telemetry = Object.values(data.truth).reduce((a, b) => a + b, 0);
  console.log(
    `${COUNT} messages, ${(data.framedBytes / COUNT).toFixed(0)} B a framed record, ${data.fieldsPerMessage.toFixed(1)} fields, ` +
      `${((100 * telemetry) / COUNT).toFixed(0)}% telemetry; ${ROUNDS} interleaved rounds of ${[...parts].join(', ')}`,
  );

  const bodies = parts.has('live') ? framedBodies(readFileSync(data.framed)) : [];
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(parts, build, data, plugin, work, telemetry, bodies);
    rounds.push(r);
    const said = [
      r.fCount && r.hCount && `count ${cpu(r.fCount)} vs ${cpu(r.hCount)}`,
      r.fMatcher && r.hMatcher && `FALSE ${cpu(r.fMatcher)} vs ${cpu(r.hMatcher)}`,
      r.fEmpty && r.hEmpty && r.fEmptyNpx && `empty ${cpu(r.fEmpty)} vs ${cpu(r.hEmpty)} (npx ${cpu(r.fEmptyNpx)})`,
      r.fNdjson && r.plainNdjson && `NDJSON ${cpu(r.fNdjson)} vs plain ${cpu(r.plainNdjson)}`,
      r.live && `live ${r.live.cpuSeconds.toFixed(2)} s`,
    ].filter(Boolean);
    console.log(`round ${i + 1}/${ROUNDS}, CPU seconds: ${said.join(', ')}`);
  }

  /** The median over rounds of f (each round ran the part f reads). */
  const med = (f: (r: Round) => number) => median(rounds.map(f));
  const rate = (f: (r: Round) => { cpuSeconds: number } | undefined) => med((r) => COUNT / f(r)!.cpuSeconds);
  const spread = (f: (r: Round) => number) => {
    const v = rounds.map(f);
    return `${fmtNum(Math.min(...v))}–${fmtNum(Math.max(...v))}`;
  };
  const ratioNote = (value: number, baseline: number, mustReach: number) => `${(value / baseline).toFixed(2)}x, must reach ${mustReach}x`;
  const wall = (f: (r: Round) => { wallSeconds: number } | undefined) => `${med((r) => f(r)!.wallSeconds).toFixed(2)} s`;
  const setting = `${ROUNDS} interleaved rounds, medians; whole-process CPU (user+sys, all threads, start-up included) from wait4 rusage`;
  const mb = (bytes: number) => bytes / 1e6;

  const figures: Figure[] = [];
  const hCount = parts.has('count') || parts.has('live') ? rate((r) => r.hCount) : undefined;
  if (hCount !== undefined) setSameRunAnchor({ hindsightCountPerCpuSecond: hCount, messages: COUNT });
  if (parts.has('count') && hCount !== undefined) {
    const fCount = rate((r) => r.fCount);
    figures.push(
      {
        name: 'anchor.count_by_doctype',
        unit: 'msg/CPU-s',
        value: fCount,
        baseline: hCount,
        target: 0.5 * hCount,
        note:
          `Foresight/Hindsight ${ratioNote(fCount, hCount, 0.5)}: \`foresight run\` (README plugin) vs hindsight_cli (Lua twin), ${COUNT} framed messages; ` +
          `per-round Foresight ${spread((r) => COUNT / r.fCount!.cpuSeconds)}, Hindsight ${spread((r) => COUNT / r.hCount!.cpuSeconds)}; ` +
          `wall ${wall((r) => r.fCount)} vs ${wall((r) => r.hCount)} (Hindsight's holds ~2 s of sleeps); ${setting}; both outputs checked`,
      },
      {
        name: 'anchor.peak_rss',
        unit: 'MB',
        value: mb(med((r) => r.fCount!.maxRssBytes)),
        baseline: mb(med((r) => r.hCount!.maxRssBytes)),
        target: 120,
        note: `peak RSS (ru_maxrss) of \`foresight run\` vs hindsight_cli counting by docType over the ${COUNT}-message file; per-round Foresight ${spread((r) => mb(r.fCount!.maxRssBytes))} MB`,
      },
    );
  }
  if (parts.has('matcher')) {
    const fMatcher = rate((r) => r.fMatcher);
    const hMatcher = rate((r) => r.hMatcher);
    figures.push({
      name: 'anchor.matcher_only',
      unit: 'msg/CPU-s',
      value: fMatcher,
      baseline: hMatcher,
      target: 0.5 * hMatcher,
      note:
        `Foresight/Hindsight ${ratioNote(fMatcher, hMatcher, 0.5)}: message_matcher FALSE over the same file; ` +
        `per-round Foresight ${spread((r) => COUNT / r.fMatcher!.cpuSeconds)}, Hindsight ${spread((r) => COUNT / r.hMatcher!.cpuSeconds)}; ` +
        `wall ${wall((r) => r.fMatcher)} vs ${wall((r) => r.hMatcher)}; both read the whole file, no counts; ${setting}`,
    });
  }
  if (parts.has('startup')) {
    figures.push(
      {
        name: 'anchor.startup_cpu',
        unit: 's CPU',
        value: med((r) => r.fEmpty!.cpuSeconds),
        baseline: med((r) => r.hEmpty!.cpuSeconds),
        target: 0.15,
        note:
          `\`node bin/foresight.js run\` vs hindsight_cli over an empty file, whole-process CPU seconds; per-round Foresight ${spread((r) => r.fEmpty!.cpuSeconds)}; ` +
          `wall ${wall((r) => r.fEmpty)} vs ${wall((r) => r.hEmpty)}; peak RSS ${mb(med((r) => r.fEmpty!.maxRssBytes)).toFixed(0)} MB`,
      },
      {
        name: 'anchor.startup_cpu_npx',
        unit: 's CPU',
        value: med((r) => r.fEmptyNpx!.cpuSeconds),
        baseline: med((r) => r.hEmpty!.cpuSeconds),
        note: `the same through \`npx foresight run\` as the README has users type it (npx's own start-up included); wall ${wall((r) => r.fEmptyNpx)}`,
      },
    );
  }
  if (parts.has('ndjson')) {
    const fNdjson = rate((r) => r.fNdjson);
    const plain = rate((r) => r.plainNdjson);
    figures.push({
      name: 'anchor.ndjson',
      unit: 'msg/CPU-s',
      value: fNdjson,
      baseline: plain,
      target: 0.5 * plain,
      note:
        `Foresight/plain ${ratioNote(fNdjson, plain, 0.5)}: \`foresight run\` count-by-docType over the same messages as NDJSON ` +
        `vs a plain Node script that only JSON.parses each line and counts (bench/anchor/plain-ndjson-count.mjs); ` +
        (hCount !== undefined ? `vs Hindsight's framed count ${(fNdjson / hCount).toFixed(2)}x; ` : '') +
        `per-round Foresight ${spread((r) => COUNT / r.fNdjson!.cpuSeconds)}, plain ${spread((r) => COUNT / r.plainNdjson!.cpuSeconds)}; ` +
        `wall ${wall((r) => r.fNdjson)} vs ${wall((r) => r.plainNdjson)}; both outputs checked; ${setting}`,
    });
  }
  if (parts.has('live') && hCount !== undefined) {
    const live = rate((r) => r.live);
    figures.push({
      name: 'anchor.live_engine',
      unit: 'msg/CPU-s',
      value: live,
      baseline: hCount,
      target: 0.4 * hCount,
      note:
        `Foresight/Hindsight ${ratioNote(live, hCount, 0.4)}: the live engine end to end, ${bodies.length} framed HTTP bodies (<= 16 MiB) ` +
        `-> ingest (the /api/ingest route's function) -> log -> worker -> plugin, whole server-process CPU (process.cpuUsage) from the first request until the plugin counted all ` +
        `(per-round ${spread((r) => COUNT / r.live!.cpuSeconds)}; wall ${wall((r) => r.live)}, ${fmtNum(COUNT / med((r) => r.live!.wallSeconds))} msg/s; ` +
        `peak RSS ${mb(med((r) => r.live!.maxRssBytes)).toFixed(0)} MB); baseline: Hindsight's count-by-docType in the same rounds; output checked`,
    });
  }
  printIssueTable(figures, ROUNDS);
  return figures;
}

/** Issue 10's target table from this run's figures, as Markdown (pasteable into the README). */
function printIssueTable(figures: Figure[], rounds: number): void {
  const rows: [string, string, (f: Figure) => string, string, (f: Figure) => boolean][] = [
    ['anchor.count_by_doctype', '`foresight run` count-by-docType, 1M framed, msg/CPU-s', ratio, '0.5x', (f) => f.value >= 0.5 * f.baseline],
    ['anchor.matcher_only', 'matcher only (`FALSE`), msg/CPU-s', ratio, '0.5x', (f) => f.value >= 0.5 * f.baseline],
    ['anchor.startup_cpu', '`foresight run` start-up on an empty file, CPU', () => '', '0.15 s', (f) => f.value <= 0.15],
    ['anchor.peak_rss', '`foresight run` peak RSS on the 1M file', () => '', '120 MB', (f) => f.value <= 120],
    ['anchor.live_engine', 'live engine end to end (framed over HTTP, log, worker, plugin), msg/CPU-s', ratio, '0.4x', (f) => f.value >= 0.4 * f.baseline],
    ['anchor.ndjson', 'NDJSON `foresight run` vs plain JSON.parse+count script, msg/CPU-s', ratio, '0.5x', (f) => f.value >= 0.5 * f.baseline],
  ];
  const lines = [
    `\nissue 10 targets, this run (medians of ${rounds} interleaved rounds, whole-process CPU):`,
    '| figure | baseline | Foresight | Foresight / baseline | must reach | |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, label, r, mustReach, met] of rows) {
    const f = figures.find((x) => x.name === name);
    if (!f) continue;
    const unit = f.unit === 's CPU' ? ' s' : f.unit === 'MB' ? ' MB' : '';
    const baselineName = name === 'anchor.ndjson' ? 'plain script ' : 'Hindsight ';
    lines.push(`| ${label} | ${baselineName}${fmtNum(f.baseline)}${unit} | ${fmtNum(f.value)}${unit} | ${r(f)} | ${mustReach} | ${met(f) ? 'met' : 'behind'} |`);
  }
  if (lines.length > 3) console.log(lines.join('\n') + '\n');
}

function ratio(f: Figure): string {
  return `${(f.value / f.baseline).toFixed(2)}x`;
}

/** FORESIGHT_ANCHOR_PARTS (comma-separated), or every part; throws naming the unknown ones. */
function chosenParts(): Set<Part> {
  const asked = (process.env.FORESIGHT_ANCHOR_PARTS ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (asked.length === 0) return new Set(PARTS);
  const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`FORESIGHT_ANCHOR_PARTS: unknown part ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}`);
  return new Set(asked as Part[]);
}

/** One interleaved round: each Foresight run followed by its counterpart. */
async function round(
  parts: Set<Part>,
  build: AnchorBuild,
  data: AnchorData,
  plugin: string,
  work: string,
  telemetry: number,
  bodies: Buffer[],
): Promise<Round> {
  const foresight = (file: string, matcher: string, viaNpx = false): ProcessRun => {
    const args = ['run', plugin, '-m', matcher, file];
    const r = viaNpx
      ? measureProcess(build.rusage, 'npx', ['--no-install', 'foresight', ...args], { cwd: ROOT })
      : measureProcess(build.rusage, process.execPath, [join(ROOT, 'bin/foresight.js'), ...args], { cwd: ROOT });
    expectSuccess(r, `foresight run ${file}`);
    return r;
  };
  const checkForesight = (r: ProcessRun, truth: Record<string, number>, total: number, matched: number, who: string) => {
    checkCounts(parseCountPayload(foresightRunPayload(r.stdout), who), truth, who);
    const m = /(\d+) of (\d+) messages matched/.exec(r.stderr);
    if (!m || Number(m[1]) !== matched || Number(m[2]) !== total) {
      throw new Error(`${who} should have read ${total} messages and matched ${matched}; it said: ${r.stderr.slice(-500)}`);
    }
  };
  const hindsight = (file: string, matcher: string, truth: Record<string, number>, who: string): ProcessRun => {
    const h = runHindsight(build, work, file, matcher);
    checkCounts(h.counts, truth, who);
    const size = statSync(file).size;
    if (h.bytesRead !== size) throw new Error(`${who} read ${h.bytesRead} of ${size} bytes of its input, so its figure is void`);
    return h.run;
  };

  const r: Round = {};
  if (parts.has('count') || parts.has('live')) {
    r.fCount = foresight(data.framed, MATCHER);
    checkForesight(r.fCount, data.truth, COUNT, telemetry, 'foresight run (count-by-docType)');
    r.hCount = hindsight(data.framed, MATCHER, data.truth, 'hindsight_cli (count-by-docType)');
  }
  if (parts.has('matcher')) {
    r.fMatcher = foresight(data.framed, 'FALSE');
    checkForesight(r.fMatcher, {}, COUNT, 0, 'foresight run (matcher FALSE)');
    r.hMatcher = hindsight(data.framed, 'FALSE', {}, 'hindsight_cli (matcher FALSE)');
  }
  if (parts.has('startup')) {
    r.fEmpty = foresight(data.empty, MATCHER);
    checkForesight(r.fEmpty, {}, 0, 0, 'foresight run (empty file)');
    r.hEmpty = hindsight(data.empty, MATCHER, {}, 'hindsight_cli (empty file)');
    r.fEmptyNpx = foresight(data.empty, MATCHER, true);
    checkForesight(r.fEmptyNpx, {}, 0, 0, 'npx foresight run (empty file)');
  }
  if (parts.has('ndjson')) {
    r.fNdjson = foresight(data.ndjson, MATCHER);
    checkForesight(r.fNdjson, data.truth, COUNT, telemetry, 'foresight run (NDJSON)');
    r.plainNdjson = measureProcess(build.rusage, process.execPath, [join(ROOT, 'bench/anchor/plain-ndjson-count.mjs'), data.ndjson]);
    expectSuccess(r.plainNdjson, 'the plain NDJSON script');
    checkCounts(parseCountPayload(r.plainNdjson.stdout, 'the plain NDJSON script'), data.truth, 'the plain NDJSON script');
  }
  if (parts.has('live')) r.live = await liveEngine(plugin, work, bodies, data.truth);
  return r;
}

/** The framed file cut at record boundaries into bodies of at most HTTP_BODY_BYTES. */
function framedBodies(file: Buffer): Buffer[] {
  const bodies: Buffer[] = [];
  let start = 0;
  let at = 0;
  while (at < file.length) {
    const f = readFrame(file, at);
    if (f.kind !== 'record') throw new Error(`the anchor data file has a ${f.kind} record at byte ${at}`);
    if (f.next - start > HTTP_BODY_BYTES) {
      bodies.push(file.subarray(start, at));
      start = at;
    }
    at = f.next;
  }
  bodies.push(file.subarray(start));
  return bodies;
}

/** One live-engine run in a child process (live-engine-child.ts): start it, post every body in turn, read its figures. */
async function liveEngine(plugin: string, work: string, bodies: Buffer[], truth: Record<string, number>): Promise<LiveRun> {
  const dataDir = mkdtempSync(join(work, 'live-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/anchor/live-engine-child.ts'), dataDir, String(COUNT), plugin, MATCHER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (what: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the live engine process ended before ${what} (exit ${await exited}):\n${stderr.slice(-3000)}`);
      if (value.startsWith('{')) return JSON.parse(value) as Record<string, unknown>;
    }
  };
  try {
    const { port } = (await nextLine('listening')) as { port: number };
    for (const [i, body] of bodies.entries()) {
      const res = await fetch(`http://127.0.0.1:${port}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(body), // a copy in this (client) process, not the server's
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`the live engine refused body ${i + 1}/${bodies.length} (${res.status}): ${text.slice(0, 500)}`);
      const r = JSON.parse(text) as { rejected: number };
      if (r.rejected) throw new Error(`the live engine rejected ${r.rejected} records of body ${i + 1}: ${text.slice(0, 500)}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the live engine's plugin did not count all ${COUNT} messages within ${LIVE_TIMEOUT_MS / 1000} s:\n${stderr.slice(-3000)}`)), LIVE_TIMEOUT_MS);
    });
    const finished = Promise.race([nextLine('the plugin counted every message'), timeout]).finally(() => clearTimeout(timer));
    const done = (await finished) as unknown as LiveRun & { accepted: number; payload: string | null };
    if (done.accepted !== COUNT) throw new Error(`the live engine accepted ${done.accepted} of ${COUNT} messages`);
    if (done.payload === null) throw new Error('the live engine plugin published no output');
    checkCounts(parseCountPayload(done.payload, 'the live engine plugin'), truth, 'the live engine plugin');
    if ((await exited) !== 0) throw new Error(`the live engine process exited ${child.exitCode}:\n${stderr.slice(-3000)}`);
    return { cpuSeconds: done.cpuSeconds, wallSeconds: done.wallSeconds, maxRssBytes: done.maxRssBytes };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function cpu(r: ProcessRun): string {
  return `${r.cpuSeconds.toFixed(2)} s`;
}

function fmtNum(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return n < 10 ? n.toFixed(3) : n.toFixed(1);
}
