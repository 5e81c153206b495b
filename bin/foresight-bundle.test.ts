/**
 * The `foresight` command runs from its prebuilt bundle (scripts/bundles.mjs):
 * the bundle answers byte for byte as the TypeScript source does; a missing or
 * stale bundle is rebuilt once, then reused; one that cannot be built falls
 * back to the source with a one-line note; the bundle's worker files start
 * without tsx.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runNode, type NodeRun } from './testing/run-node';
import { sampleMessages } from '../engine/inputs/sample-messages';
import { encodeMessage, frameMessage, messageToJSON } from '../engine/message';
import { workerEntryPoints } from '../scripts/bundles.mjs';

// Every case spawns the CLI, some build a bundle or start tsx: slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'foresight.js');
const SOURCE_CLI = pathToFileURL(join(ROOT, 'bin', 'foresight-cli.ts')).href;
const TSX_API = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href;
let dir: string;
let buildRoot: string;

function spawnNode(args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  return runNode(args, { cwd: dir, env });
}

/**
 * A message the plugin injected gets a fresh Uuid, the time and the pid:
 * those are blanked so that two runs compare (messages read from the files
 * keep theirs).
 */
function blankInjected(text: string): string {
  if (text.startsWith('{\n')) {
    // --json: one object, injected messages in its `injected` list.
    const out = JSON.parse(text) as { injected: Record<string, unknown>[] };
    out.injected = out.injected.map((m) => ({ ...m, Uuid: '', Timestamp: '', Pid: 0 }));
    return JSON.stringify(out, null, 2);
  }
  return text
    .split('\n')
    .map((line) =>
      line.includes('"Logger":"analysis.cli.')
        ? line.replace(/"Uuid":"[0-9a-f]{32}"/, '"Uuid":""').replace(/"Timestamp":"\d+"/, '"Timestamp":""').replace(/"Pid":\d+/, '"Pid":0')
        : line,
    )
    .join('\n');
}

const comparable = (r: NodeRun): NodeRun => ({ code: r.code, stdout: blankInjected(r.stdout), stderr: blankInjected(r.stderr) });
/** `foresight ...` with its bundle in `buildDir` (a folder of its own, so other runs' bundles are left alone). */
const bundled = (args: string[], buildDir: string) => spawnNode([BIN, ...args], { FORESIGHT_BUILD_DIR: buildDir }).then(comparable);
/** The CLI run straight from its TypeScript source through tsx. */
const fromSource = (args: string[]) => spawnNode([join(dir, 'source-cli.mjs'), ...args]).then(comparable);

function manifest(buildDir: string): { dir: string; startedAt: number; inputs: string[] } {
  return JSON.parse(readFileSync(join(buildDir, 'cli.json'), 'utf8'));
}

const messages = sampleMessages(120, 5);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fs-bundle-'));
  // Bundles must live inside the clone to find node_modules.
  mkdirSync(join(ROOT, '.foresight-build'), { recursive: true });
  buildRoot = mkdtempSync(join(ROOT, '.foresight-build', 'test-'));
  writeFileSync(
    join(dir, 'source-cli.mjs'),
    `const { register } = await import(${JSON.stringify(TSX_API)});\nregister();\n` +
      `const { main } = await import(${JSON.stringify(SOURCE_CLI)});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );
  writeFileSync(join(dir, 'a.ndjson'), messages.slice(0, 60).map((m) => JSON.stringify(messageToJSON(m))).join('\n') + '\n{"Type": 7}\n');
  writeFileSync(join(dir, 'b.log'), Buffer.concat(messages.slice(60).map((m) => frameMessage(encodeMessage(m)))));
  writeFileSync(
    join(dir, 'count.js'),
    `var counts = {};
function process_message() {
  var dt = read_message('Fields[docType]') || 'unknown';
  counts[dt] = (counts[dt] || 0) + 1;
  return dt === 'main' ? [-1, 'main is not counted twice'] : 0;
}
function timer_event(ns, shutdown) {
  inject_payload('json', 'counts', JSON.stringify(counts));
  inject_message({ Type: 'counted', Payload: String(counts.crash || 0), Fields: { shutdown: shutdown } });
  print('tick', shutdown);
}
`,
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(buildRoot, { recursive: true, force: true });
});

const CASES: string[][] = [
  ['run', 'count.js', '-m', "Type == 'telemetry'", 'a.ndjson', 'b.log'],
  ['run', 'count.js', '-m', 'TRUE', '--ticker', '1', '--json', 'a.ndjson', 'b.log'],
  ['match', '-m', "Fields[docType] == 'crash'", 'a.ndjson', 'b.log'],
  ['match', '--count', '-m', "Type =~ '^tele'", 'b.log'],
  ['match', '-m', "Type == 'a' && Invalid == 'x'", 'a.ndjson'],
  ['run', 'count.js', '-m', 'TRUE', '--config', 'ticker_interval=-1', 'a.ndjson'],
  ['run', '--help'],
  [],
];

describe('the bundled CLI', () => {
  it('gives the same output, errors and exit status as the TypeScript source', async () => {
    const buildDir = join(buildRoot, 'same');
    for (const args of CASES) {
      const [a, b] = await Promise.all([bundled(args, buildDir), fromSource(args)]);
      expect({ args, ...a }).toEqual({ args, ...b });
    }
    // The cases did exercise outputs, injected messages, failures, rejections and errors.
    const run = await bundled(CASES[0], buildDir);
    expect(run.stdout).toContain('== injected message');
    expect(run.stderr).toMatch(/failure: message \d+: main is not counted twice/);
    expect(run.stderr).toMatch(/a\.ndjson:61: /);
  });

  it('builds a missing bundle on first use, then runs it without building again', async () => {
    const buildDir = join(buildRoot, 'missing');
    expect(existsSync(buildDir)).toBe(false);
    const source = await fromSource(CASES[0]);
    const first = await bundled(CASES[0], buildDir);
    expect(first).toEqual(source);
    const built = manifest(buildDir);
    expect(built.inputs).toContain('bin/foresight-cli.ts');
    expect(built.inputs).toContain('engine/sandbox/quickjs-module.ts');
    expect(existsSync(join(buildDir, built.dir, 'foresight-cli.mjs'))).toBe(true);
    // Others may be editing sources meanwhile: date the build later than any edit, so it must be reused.
    writeFileSync(join(buildDir, 'cli.json'), JSON.stringify({ ...built, startedAt: Date.now() + 86_400_000 }));
    const second = await bundled(CASES[0], buildDir);
    expect(second).toEqual(source);
    expect(manifest(buildDir).dir).toBe(built.dir);
  });

  it('rebuilds a bundle older than a source file, or built from a file that is gone', async () => {
    const buildDir = join(buildRoot, 'stale');
    const source = await fromSource(CASES[2]);
    expect(await bundled(CASES[2], buildDir)).toEqual(source);
    const first = manifest(buildDir);

    // As if every source file had changed after the build began.
    writeFileSync(join(buildDir, 'cli.json'), JSON.stringify({ ...first, startedAt: 0 }));
    expect(await bundled(CASES[2], buildDir)).toEqual(source);
    const second = manifest(buildDir);
    expect(second.dir).not.toBe(first.dir);
    expect(second.startedAt).toBeGreaterThan(0);

    writeFileSync(join(buildDir, 'cli.json'), JSON.stringify({ ...second, inputs: [...second.inputs, 'engine/no-such-file.ts'] }));
    expect(await bundled(CASES[2], buildDir)).toEqual(source);
    expect(manifest(buildDir).dir).not.toBe(second.dir);

    // A manifest that is not JSON counts as no bundle.
    writeFileSync(join(buildDir, 'cli.json'), '{ not json');
    expect(await bundled(CASES[2], buildDir)).toEqual(source);
    expect(manifest(buildDir).inputs.length).toBeGreaterThan(10);
  });

  it('runs the source through tsx, with a one-line note on stderr, when the bundle cannot be built', async () => {
    // A build folder below a regular file cannot be created.
    const buildDir = join(dir, 'a.ndjson', 'build');
    for (const args of [CASES[0], CASES[4]]) {
      const [a, b] = await Promise.all([bundled(args, buildDir), fromSource(args)]);
      const [note, ...rest] = a.stderr.split('\n');
      expect(note).toMatch(/^foresight: note: running from TypeScript source \(slower start\): the bundle could not be rebuilt \(no bundle yet\): .+/);
      expect({ code: a.code, stdout: a.stdout, stderr: rest.join('\n') }).toEqual(b);
    }
  });

  it('holds every engine worker as a file of its own that starts without tsx, directly or through the loader', async () => {
    const buildDir = join(buildRoot, 'workers');
    expect((await bundled(['match', '--count', '-m', 'TRUE', 'b.log'], buildDir)).stdout).toBe('60\n');
    const bundleDir = join(buildDir, manifest(buildDir).dir);
    const workers = workerEntryPoints();
    expect(workers).toContain('engine/runtime/analysis-worker.ts');
    expect(workers).toContain('engine/inputs/ndjson-parse-worker.ts');
    expect(workers.filter((w) => /\/(testing|test-fixtures|fixtures)\//.test(w))).toEqual([]);
    for (const w of workers) expect(existsSync(join(bundleDir, `${path.basename(w, '.ts')}.mjs`))).toBe(true);

    const ready = (worker: Worker) =>
      new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
      }).finally(() => void worker.terminate());
    const parseWorker = join(bundleDir, 'ndjson-parse-worker.mjs');
    expect(await ready(new Worker(parseWorker))).toEqual({ ready: true });
    // The Test Plugin worker runs a plugin before it says ready: QuickJS loads in a bundled worker.
    expect(await ready(new Worker(join(bundleDir, 'test-plugin-worker.mjs')))).toEqual({ t: 'ready' });
    // Code that names the worker's .ts entry and starts it through the loader beside the bundle gets the bundled file.
    const entry = pathToFileURL(join(bundleDir, 'ndjson-parse-worker.ts')).href;
    expect(await ready(new Worker(join(bundleDir, 'worker-loader.mjs'), { workerData: { entry } }))).toEqual({ ready: true });
  });
});
