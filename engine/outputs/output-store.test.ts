import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputError, OutputStore, outputKey, type OutputEvent } from './output-store';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fs-outputs-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('OutputStore', () => {
  it('keeps the latest value per key and lists summaries', async () => {
    const store = await OutputStore.open(tempDir());
    store.put('alice.counts', 'docTypes', 'json', '{"main":1}', 1000);
    store.put('alice.counts', 'docTypes', 'json', '{"main":2}', 2000);
    store.put('alice.counts', '', 'txt', 'hello ✓', 3000);
    store.put('bob.other', 'x', 'txt', 'b', 4000);
    const e = store.get('analysis.alice.counts.docTypes.json')!;
    expect(e.payload).toBe('{"main":2}');
    expect(e.updatedAt).toBe(2000);
    expect(e.stale).toBe(false);
    expect(store.get(outputKey('alice.counts', '', 'txt'))!.size).toBe(Buffer.byteLength('hello ✓'));
    expect(store.list({ plugin: 'alice.counts' }).map((o) => o.key)).toEqual([
      'analysis.alice.counts..txt',
      'analysis.alice.counts.docTypes.json',
    ]);
    expect(store.list({ owner: 'bob' }).map((o) => o.key)).toEqual(['analysis.bob.other.x.txt']);
    expect(store.list()).toHaveLength(3);
    expect('payload' in store.list()[0]).toBe(false);
    await store.close();
  });

  it('persists values, stale marks and removals across reopen', async () => {
    const dir = tempDir();
    const a = await OutputStore.open(dir, { flushIntervalMs: 60_000 });
    a.put('alice.counts', 'docTypes', 'json', '{"main":7}', 1234);
    a.put('alice.gone', 'x', 'txt', 'bye');
    a.put('bob.b', 'y', 'txt', 'still here');
    a.markStale('bob.b');
    a.removePlugin('alice.gone');
    await a.close();

    const b = await OutputStore.open(dir);
    expect(b.loadWarnings).toEqual([]);
    expect(b.get('analysis.alice.counts.docTypes.json')).toMatchObject({ payload: '{"main":7}', updatedAt: 1234, stale: false });
    expect(b.get('analysis.alice.gone.x.txt')).toBeUndefined();
    expect(b.get('analysis.bob.b.y.txt')).toMatchObject({ payload: 'still here', stale: true });
    // No temporaries left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await b.close();
  });

  it('flushes on its own after the interval', async () => {
    const dir = tempDir();
    const a = await OutputStore.open(dir, { flushIntervalMs: 10 });
    a.put('p.q', 'n', 'txt', 'v');
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(dir)).toEqual(['outputs.journal']);
    const b = await OutputStore.open(dir);
    expect(b.get('analysis.p.q.n.txt')?.payload).toBe('v');
    await a.close();
    await b.close();
  });

  it('emits updated, stale and removed events; a throwing listener does not break others', async () => {
    const store = await OutputStore.open(tempDir());
    const events: OutputEvent[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const off = store.onChange((e) => events.push(e));
    store.put('a.p', 'n', 'txt', 'v', 5);
    store.markStale('a.p');
    store.markStale('a.p'); // already stale: no second event
    store.put('a.p', 'n', 'txt', 'w', 6); // fresh again
    store.removePlugin('a.p');
    off();
    store.put('a.p', 'n', 'txt', 'unseen');
    expect(events.map((e) => e.kind)).toEqual(['updated', 'stale', 'updated', 'removed']);
    expect(events[0]).toEqual({
      kind: 'updated',
      output: { key: 'analysis.a.p.n.txt', plugin: 'a.p', name: 'n', type: 'txt', size: 1, updatedAt: 5, stale: false },
    });
    expect(events[1]).toEqual({ kind: 'stale', plugin: 'a.p', keys: ['analysis.a.p.n.txt'] });
    await store.close();
  });

  it('ignores a value published again unchanged (no event, no write), but not one that revives a stale output', async () => {
    const dir = tempDir();
    const store = await OutputStore.open(dir, { flushIntervalMs: 60_000 });
    const events: OutputEvent[] = [];
    store.onChange((e) => events.push(e));
    store.put('a.p', 'n', 'txt', 'same', 5);
    await store.flush();
    const written = statSync(join(dir, 'outputs.journal')).size;
    store.put('a.p', 'n', 'txt', 'same', 6);
    await store.flush();
    expect(events.map((e) => e.kind)).toEqual(['updated']);
    expect(store.get('analysis.a.p.n.txt')).toMatchObject({ payload: 'same', updatedAt: 5 });
    expect(statSync(join(dir, 'outputs.journal')).size).toBe(written);
    store.markStale('a.p');
    store.put('a.p', 'n', 'txt', 'same', 7);
    expect(events.map((e) => e.kind)).toEqual(['updated', 'stale', 'updated']);
    expect(store.get('analysis.a.p.n.txt')).toMatchObject({ updatedAt: 7, stale: false });
    await store.close();
  });

  it('limits the number of distinct outputs per plugin', async () => {
    const store = await OutputStore.open(tempDir(), { maxOutputsPerPlugin: 2 });
    store.put('a.p', 'one', 'txt', '1');
    store.put('a.p', 'two', 'txt', '2');
    store.put('a.p', 'two', 'txt', '2 again'); // an update, not a new output
    expect(() => store.put('a.p', 'three', 'txt', '3')).toThrow(OutputError);
    expect(() => store.put('a.p', 'three', 'txt', '3')).toThrow(/already has 2 outputs/);
    store.put('b.p', 'three', 'txt', '3'); // other plugins unaffected
    expect(store.list()).toHaveLength(3);
    await store.close();
    expect(() => store.put('a.p', 'one', 'txt', 'x')).toThrow(/closed/);
  });

  it('skips corrupt files with a warning and removes leftover temporaries', async () => {
    const dir = tempDir();
    const a = await OutputStore.open(dir);
    a.put('a.p', 'n', 'txt', 'good');
    await a.close();
    writeFileSync(join(dir, 'deadbeef.json'), '{not json');
    writeFileSync(join(dir, '.x.json.1.tmp'), 'half written');
    const b = await OutputStore.open(dir);
    expect(b.get('analysis.a.p.n.txt')?.payload).toBe('good');
    expect(b.loadWarnings).toHaveLength(1);
    expect(b.loadWarnings[0]).toMatch(/^deadbeef\.json: /);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    await b.close();
  });

  it('appends each flush to one journal, folds it into a snapshot when it grows, and reads both back', async () => {
    const dir = tempDir();
    const a = await OutputStore.open(dir, { flushIntervalMs: 60_000, compactJournalBytes: 2000 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) a.put(`u.p${i}`, 'n', 'txt', `value ${round}`, round);
      await a.flush();
    }
    a.removePlugin('u.p4');
    a.markStale('u.p3');
    await a.flush();
    expect(readdirSync(dir).sort()).toEqual(['outputs.journal', 'outputs.snapshot']);
    // Smaller than the 20 rounds written: the snapshot took them in.
    expect(statSync(join(dir, 'outputs.journal')).size).toBeLessThan(2000);
    await a.close();
    const b = await OutputStore.open(dir);
    expect(b.loadWarnings).toEqual([]);
    expect(b.list().map((o) => [o.key, b.get(o.key)!.payload, o.stale])).toEqual([
      ['analysis.u.p0.n.txt', 'value 19', false],
      ['analysis.u.p1.n.txt', 'value 19', false],
      ['analysis.u.p2.n.txt', 'value 19', false],
      ['analysis.u.p3.n.txt', 'value 19', true],
    ]);
    await b.close();
  });

  it('skips journal lines the snapshot already holds (a crash between snapshot and truncation)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'outputs.snapshot'), `{"seq":2}\n${JSON.stringify({ key: 'analysis.u.p.n.txt', plugin: 'u.p', name: 'n', type: 'txt', size: 3, updatedAt: 2, stale: false, payload: 'new' })}\n`);
    const old = { key: 'analysis.u.p.n.txt', plugin: 'u.p', name: 'n', type: 'txt', size: 3, updatedAt: 1, stale: false, payload: 'old' };
    writeFileSync(join(dir, 'outputs.journal'), `${JSON.stringify({ s: 1, e: old })}\n${JSON.stringify({ s: 2, r: 'analysis.u.p.n.txt' })}\n`);
    const store = await OutputStore.open(dir);
    expect(store.get('analysis.u.p.n.txt')?.payload).toBe('new');
    store.put('u.p', 'n', 'txt', 'newer');
    await store.close();
    const again = await OutputStore.open(dir);
    expect(again.get('analysis.u.p.n.txt')?.payload).toBe('newer'); // numbered after the snapshot, so not skipped
    await again.close();
  });

  it('skips a torn last journal line with a warning that says so', async () => {
    const dir = tempDir();
    const a = await OutputStore.open(dir);
    a.put('a.p', 'n', 'txt', 'kept');
    await a.close();
    writeFileSync(join(dir, 'outputs.journal'), readFileSync(join(dir, 'outputs.journal'), 'utf8') + '{"s":9,"e":{"key":"analy');
    const b = await OutputStore.open(dir);
    expect(b.get('analysis.a.p.n.txt')?.payload).toBe('kept');
    expect(b.loadWarnings).toEqual([expect.stringMatching(/^outputs\.journal line 2 \(the last, cut short by a crash\): /)]);
    await b.close();
  });

  it('reads a store written one file per output (the earlier layout) and rewrites it as a snapshot', async () => {
    const dir = tempDir();
    const entry = { key: 'analysis.a.p.n.txt', plugin: 'a.p', name: 'n', type: 'txt', size: 3, updatedAt: 5, stale: true, payload: 'old' };
    writeFileSync(join(dir, `${createHash('sha256').update(entry.key).digest('hex').slice(0, 40)}.json`), JSON.stringify(entry));
    const a = await OutputStore.open(dir);
    expect(a.loadWarnings).toEqual([]);
    expect(a.get(entry.key)).toEqual(entry);
    expect(readdirSync(dir)).toEqual(['outputs.snapshot']);
    await a.close();
    const b = await OutputStore.open(dir);
    expect(b.get(entry.key)).toEqual(entry);
    await b.close();
  });

  it('reports a failed flush and retries it later', async () => {
    const dir = tempDir();
    const store = await OutputStore.open(dir, { flushIntervalMs: 60_000 });
    store.put('a.p', 'n', 'txt', 'v');
    rmSync(dir, { recursive: true }); // the directory vanished: every write fails
    await expect(store.flush()).rejects.toThrow(/could not write 1 output/);
    mkdirSync(dir);
    await store.flush();
    const b = await OutputStore.open(dir);
    expect(b.get('analysis.a.p.n.txt')?.payload).toBe('v');
    await store.close();
    await b.close();
  });
});
