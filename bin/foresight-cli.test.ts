import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../engine/inputs/sample-messages';
import { encodeMessage, frameMessage, messageToJSON, type Message } from '../engine/message';

const BIN = fileURLToPath(new URL('./foresight.js', import.meta.url));
let dir: string;

function run(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
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
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: foresight/);
  });
});
