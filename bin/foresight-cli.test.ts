import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runNode, type NodeRun } from './testing/run-node';
import { sampleMessages } from '../engine/inputs/sample-messages';
import { encodeMessage, frameMessage, messageToJSON, type Message } from '../engine/message';

// Each test spawns the CLI (rebuilding its bundle first when a source changed): slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const BIN = fileURLToPath(new URL('./foresight.js', import.meta.url));
let dir: string;

function run(args: string[], input?: string): Promise<NodeRun> {
  return runNode([BIN, ...args], { cwd: dir, input });
}

function ndjson(messages: Message[]): string {
  return messages.map((m) => JSON.stringify(messageToJSON(m))).join('\n') + '\n';
}

function framed(messages: Message[]): Buffer {
  return Buffer.concat(messages.map((m) => frameMessage(encodeMessage(m))));
}

const messages = sampleMessages(300, 11);
const crashes = messages.filter((m) => m.fields.some((f) => f.name === 'docType' && f.value[0] === 'crash'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fs-cli-'));
  writeFileSync(join(dir, 'a.ndjson'), ndjson(messages.slice(0, 150)));
  writeFileSync(join(dir, 'b.log'), framed(messages.slice(150)));
  // A framed file with no telling extension: sniffed.
  writeFileSync(join(dir, 'b.data'), framed(messages.slice(150)));
  writeFileSync(join(dir, 'bad.ndjson'), ndjson(messages.slice(0, 2)) + '{"Type": 5}\nnot json\n' + ndjson(messages.slice(2, 3)));
  writeFileSync(
    join(dir, 'count.js'),
    `var counts = {};
function process_message() {
  var dt = read_message('Fields[docType]') || 'unknown';
  counts[dt] = (counts[dt] || 0) + 1;
  return 0;
}
function timer_event(ns, shutdown) {
  inject_payload('json', read_config('out') || 'counts', JSON.stringify(counts));
  print('tick', shutdown);
}
`,
  );
  writeFileSync(
    join(dir, 'boom.js'),
    `function process_message() {
  if (read_message('Fields[docType]') === 'crash') throw new Error('no crashes please');
  return 0;
}
`,
  );
  writeFileSync(join(dir, 'syntax.js'), 'function process_message( {\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function docTypeCounts(list: Message[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) {
    const dt = m.fields.find((f) => f.name === 'docType')?.value[0];
    if (m.type === 'telemetry' && typeof dt === 'string') out[dt] = (out[dt] ?? 0) + 1;
  }
  return out;
}

describe('foresight run', () => {
  it('runs a plugin over NDJSON and Hindsight files and prints its outputs and debug output', async () => {
    const r = await run(['run', 'count.js', '-m', "Type == 'telemetry'", '--config', 'out=byType', 'a.ndjson', 'b.log']);
    expect(r.code).toBe(0);
    const [header, body] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^== analysis\.cli\.count\.byType\.json \(\d+ bytes\)$/);
    expect(JSON.parse(body)).toEqual(docTypeCounts(messages));
    expect(r.stderr).toContain('debug: tick true');
    expect(r.stderr).toMatch(/foresight: \d+ of 300 messages matched/);
  });

  it('drives timer_event with --ticker from message time and prints JSON with --json', async () => {
    // Sample messages are about 1 ms apart, so a 1 s ticker fires at most once before the final timer_event.
    const r = await run(['run', 'count.js', '--config', "message_matcher=Type == 'telemetry'", '--ticker', '1', '--json', 'a.ndjson']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.terminated).toBeNull();
    expect(out.outputs.at(-1).payload).toBe(JSON.stringify(docTypeCounts(messages.slice(0, 150))));
    expect(out.debug.at(-1)).toBe('tick true');
    expect(out.rejectedInput).toBe(0);
  });

  it('exits 1 and says where when the plugin terminates', async () => {
    const r = await run(['run', 'boom.js', '-m', 'TRUE', 'a.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plugin terminated: process_message\(\) boom\.js:2: Error: no crashes please/);
    const syntax = await run(['run', 'syntax.js', '-m', 'TRUE', 'a.ndjson']);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/plugin terminated: .*SyntaxError/);
  });

  it('refuses missing matchers, bad matchers, bad --config and missing files with exit 2', async () => {
    const noMatcher = await run(['run', 'count.js', 'a.ndjson']);
    expect(noMatcher.code).toBe(2);
    expect(noMatcher.stderr).toMatch(/a message matcher is required/);
    const bad = await run(['run', 'count.js', '-m', "Type =~ 'x' ||", 'a.ndjson']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid message matcher: .* at 14\n  Type =~ 'x' \|\|\n {16}\^\n$/);
    const badConfig = await run(['run', 'count.js', '-m', 'TRUE', '--config', 'novalue', 'a.ndjson']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/--config expects key=value/);
    const badTicker = await run(['run', 'count.js', '-m', 'TRUE', '--ticker', 'soon', 'a.ndjson']);
    expect(badTicker.code).toBe(2);
    const badLimit = await run(['run', 'count.js', '-m', 'TRUE', '--config', 'ticker_interval=-5', 'a.ndjson']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/invalid configuration: config\.ticker_interval/);
    const missingPlugin = await run(['run', 'nope.js', '-m', 'TRUE', 'a.ndjson']);
    expect(missingPlugin.code).toBe(2);
    expect(missingPlugin.stderr).toContain('cannot read nope.js: no such file');
    const missingInput = await run(['run', 'count.js', '-m', 'TRUE']);
    expect(missingInput.code).toBe(2);
  });

  it('reports bad input records and exits 1 after running over the good ones', async () => {
    const r = await run(['run', 'count.js', '-m', 'TRUE', '--json', 'bad.ndjson']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ processed: 3, rejectedInput: 2 });
    expect(r.stderr).toMatch(/^bad\.ndjson:3: /m);
  });
});

describe('foresight match', () => {
  it('prints the matching messages of NDJSON and Hindsight files as JSON lines', async () => {
    const r = await run(['match', '-m', "Fields[docType] == 'crash'", 'a.ndjson', 'b.log']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(crashes.length);
    expect(lines.map((l) => l.Uuid)).toEqual(crashes.map((m) => messageToJSON(m).Uuid));
    expect(lines[0].Fields.find((f: { name: string }) => f.name === 'docType').value).toEqual(['crash']);
  });

  it('counts with --count, sniffing a framed file without a known extension', async () => {
    const expected = messages.slice(150).filter((m) => m.type === 'telemetry').length;
    const r = await run(['match', '--count', '-m', "Type == 'telemetry'", 'b.data']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${expected}\n`);
  });

  it('shows an invalid matcher with a caret under the position, exit 2', async () => {
    const r = await run(['match', '-m', "Type == 'a' && Invalid == 'x'", 'a.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^foresight: invalid message matcher: .* at 15$/);
    expect(lines[1]).toBe("  Type == 'a' && Invalid == 'x'");
    expect(lines[2]).toBe('  ' + ' '.repeat(15) + '^');
  });

  it('reports bad input lines with their line numbers, keeps going, exits 1', async () => {
    const r = await run(['match', '--count', '-m', 'TRUE', 'bad.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('3\n');
    expect(r.stderr).toMatch(/^bad\.ndjson:3: .*Type/m);
    expect(r.stderr).toMatch(/^bad\.ndjson:4: /m);
  });

  it('refuses a missing file before reading anything, exit 2', async () => {
    const r = await run(['match', '-m', 'TRUE', 'a.ndjson', 'nope.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('cannot read nope.ndjson: no such file');
  });

  it('needs -m and a file: usage errors exit 2', async () => {
    const noMatcher = await run(['match', 'a.ndjson']);
    expect(noMatcher.code).toBe(2);
    expect(noMatcher.stderr).toMatch(/required option '-m, --matcher <expr>'/);
    const noFile = await run(['match', '-m', 'TRUE']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/missing required argument 'file'/);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('has --help on every command', async () => {
    for (const args of [['--help'], ['match', '--help'], ['run', '--help'], ['help', 'run']]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: foresight/);
    }
    expect((await run(['match', '--help'])).stdout).toContain('--count');
    expect((await run(['run', '--help'])).stdout).toContain('--ticker <seconds>');
    // Each command says what its exit status means (CI scripts branch on it).
    for (const command of ['match', 'run']) expect((await run([command, '--help'])).stdout).toMatch(/Exit status: 0 ok; 1 plugin terminated or bad input records/);
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: foresight/);
  });
});
