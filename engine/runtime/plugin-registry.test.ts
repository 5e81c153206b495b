import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PluginRegistry, type PluginRecord } from './plugin-registry';
import { PluginSpecError, parsePluginId, validatePluginSpec } from './plugin-spec';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fs-registry-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(name: string, state: PluginRecord['state'] = 'running'): PluginRecord {
  return {
    id: `alice.${name}`,
    spec: { owner: 'alice', name, code: 'function process_message() { return 0 }', config: { message_matcher: 'TRUE', ticker_interval: 5 } },
    version: 1,
    state,
    deployedAt: 1000,
    changedAt: 2000,
  };
}

describe('PluginRegistry', () => {
  it('persists records and preserved state across reopen', async () => {
    const dir = tempDir();
    const a = await PluginRegistry.open(dir);
    await a.put(record('one'));
    await a.put({ ...record('two', 'terminated'), error: { message: 'process_message() two.js:3: boom', at: 5, line: 3 } });
    await a.saveState('alice.one', new Uint8Array([1, 2, 3]));
    const b = await PluginRegistry.open(dir);
    expect(b.loadWarnings).toEqual([]);
    expect(b.list().map((r) => r.id)).toEqual(['alice.one', 'alice.two']);
    expect(b.get('alice.two')).toEqual({ ...record('two', 'terminated'), error: { message: 'process_message() two.js:3: boom', at: 5, line: 3 } });
    expect(await b.loadState('alice.one')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await b.loadState('alice.two')).toBeUndefined();
    await b.remove('alice.one');
    const c = await PluginRegistry.open(dir);
    expect(c.list().map((r) => r.id)).toEqual(['alice.two']);
    expect(await c.loadState('alice.one')).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['alice.two.json']);
  });

  it('applies writes to one plugin in call order', async () => {
    const reg = await PluginRegistry.open(tempDir());
    const writes = [];
    for (let v = 1; v <= 20; v++) writes.push(reg.put({ ...record('one'), version: v }));
    await Promise.all(writes);
    const again = await PluginRegistry.open(reg.dir);
    expect(again.get('alice.one')?.version).toBe(20);
  });

  it('skips unreadable or inconsistent files with a warning', async () => {
    const dir = tempDir();
    const a = await PluginRegistry.open(dir);
    await a.put(record('good'));
    writeFileSync(join(dir, 'alice.broken.json'), '{');
    writeFileSync(join(dir, 'alice.liar.json'), JSON.stringify(record('other')));
    writeFileSync(join(dir, 'alice.state.json'), JSON.stringify({ ...record('state'), state: 'dancing' }));
    const b = await PluginRegistry.open(dir);
    expect(b.list().map((r) => r.id)).toEqual(['alice.good']);
    expect(b.loadWarnings).toHaveLength(3);
    expect(b.loadWarnings.join('\n')).toMatch(/alice\.liar\.json: holds plugin alice\.other/);
    expect(b.loadWarnings.join('\n')).toMatch(/unknown state "dancing"/);
  });
});

describe('validatePluginSpec', () => {
  const ok = { owner: 'alice', name: 'counts-1', code: '', config: { message_matcher: "Type == 'x'", preserve_data: true, x: 1 } };
  it('accepts a good spec and returns a clean copy', () => {
    expect(validatePluginSpec({ ...ok, extra: 1 })).toEqual(ok);
    expect(parsePluginId('alice.counts-1')).toEqual({ owner: 'alice', name: 'counts-1' });
    expect(parsePluginId('alice')).toBeUndefined();
    expect(parsePluginId('a.b.c')).toBeUndefined();
  });
  it.each([
    [null, 'spec'],
    [{ ...ok, owner: 'a.b' }, 'owner'],
    [{ ...ok, name: '' }, 'name'],
    [{ ...ok, code: 5 }, 'code'],
    [{ ...ok, config: [] }, 'config'],
    [{ ...ok, config: { ticker_interval: 1 } }, 'config.message_matcher'],
    [{ ...ok, config: { message_matcher: 'TRUE', ticker_interval: 1.5 } }, 'config.ticker_interval'],
    [{ ...ok, config: { message_matcher: 'TRUE', ticker_interval: -1 } }, 'config.ticker_interval'],
    [{ ...ok, config: { message_matcher: 'TRUE', preserve_data: 'yes' } }, 'config.preserve_data'],
    [{ ...ok, config: { message_matcher: 'TRUE', nested: { a: 1 } } }, 'config.nested'],
  ])('rejects %j naming %s', (input, field) => {
    try {
      validatePluginSpec(input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PluginSpecError);
      expect((err as PluginSpecError).field).toBe(field);
    }
  });
});
