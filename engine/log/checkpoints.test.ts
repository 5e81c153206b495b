import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from './checkpoints';
import { LogCorruptError } from './errors';
import { faultyFs } from './testing/faulty-fs';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'foresight-ckpt-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('CheckpointStore', () => {
  it('saves changed checkpoints on its interval and on close, and loads them back', async () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open(path, { intervalMs: 20 });
    expect(store.get('a')).toBeUndefined();
    store.set('a', 10);
    store.set('b.plugin', 0);
    await until(() => store.saveCount === 1, 'the periodic save');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 1, checkpoints: { a: 10, 'b.plugin': 0 } });
    const saves = store.saveCount;
    store.set('a', 10); // unchanged: nothing to save
    await store.flush();
    expect(store.saveCount).toBe(saves);
    store.set('a', 25);
    store.delete('b.plugin');
    await store.close();
    const again = await CheckpointStore.open(path);
    expect(again.entries()).toEqual({ a: 25 });
    await again.close();
    expect(readdirSync(dir)).toEqual(['checkpoints.json']);
  });

  it('rejects bad offsets', async () => {
    const store = await CheckpointStore.open(join(tempDir(), 'c.json'));
    expect(() => store.set('x', -1)).toThrow(/non-negative integer/);
    expect(() => store.set('x', 1.5)).toThrow(RangeError);
    expect(() => store.set('x', Number.NaN)).toThrow(RangeError);
    await store.close();
  });

  it('never leaves a half-written file: a failed save keeps the previous one and is retried', async () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoints.json');
    const io = faultyFs();
    const store = await CheckpointStore.open(path, { fs: io });
    store.set('p', 100);
    await store.flush();
    const good = readFileSync(path, 'utf8');

    io.failWrites = 'ENOSPC';
    io.partialBytes = 5;
    store.set('p', 200);
    await expect(store.flush()).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(path, 'utf8')).toBe(good);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    io.failWrites = undefined;

    io.failFsyncs = 'EIO';
    await expect(store.flush()).rejects.toThrow(/EIO/);
    expect(readFileSync(path, 'utf8')).toBe(good);
    io.failFsyncs = undefined;

    await store.flush(); // still dirty: saved now
    expect((await CheckpointStore.open(path)).get('p')).toBe(200);
    await store.close();
  });

  it('refuses a damaged file with a clear error naming it', async () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoints.json');
    writeFileSync(path, '{"version":1,"checkpoints":{"a":');
    await expect(CheckpointStore.open(path)).rejects.toThrow(LogCorruptError);
    await expect(CheckpointStore.open(path)).rejects.toThrow(/checkpoints\.json is not valid JSON/);
    writeFileSync(path, '{"version":1,"checkpoints":{"a":-4}}');
    await expect(CheckpointStore.open(path)).rejects.toThrow(/reader "a" has invalid offset -4/);
    writeFileSync(path, '[1,2]');
    await expect(CheckpointStore.open(path)).rejects.toThrow(/not a version 1 checkpoint file/);
  });

  it('ignores a temporary file left by a crash mid-save', async () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open(path);
    store.set('a', 7);
    await store.close();
    writeFileSync(`${path}.tmp`, '{"version":1,"chec');
    const again = await CheckpointStore.open(path);
    expect(again.get('a')).toBe(7);
    again.set('a', 8);
    await again.close();
    expect((await CheckpointStore.open(path)).get('a')).toBe(8);
  });
});
