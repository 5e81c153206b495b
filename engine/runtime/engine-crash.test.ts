import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from './engine';
import { tempDataDir, waitFor, type SeqCheck } from './test-support';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Engine after kill -9', () => {
  it('loses nothing acknowledged, resumes each plugin at its checkpoint (at least once) and re-processes about a second at most', async () => {
    const { dir, remove } = tempDataDir('fs-crash-');
    cleanups.push(remove);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    let ingested = 0;
    let acked = 0;
    let ready = false;
    let stderr = '';
    const ackedAt: { offset: number; at: number }[] = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      const now = Date.now();
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'ready') ready = true;
        else if (what === 'ingested') ingested = Math.max(ingested, Number(n));
        else if (what === 'acked' && Number(n) > acked) {
          acked = Number(n);
          ackedAt.push({ offset: acked, at: now });
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    await waitFor('the child engine', () => ready || (child.exitCode !== null && new Error(stderr)), 120_000);
    // Let it run long enough for several checkpoint saves, then kill it mid-stream.
    await waitFor('progress', () => acked >= 20_000 && ackedAt.length > 0 && Date.now() - ackedAt[0].at > 3000, 120_000);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited;
    expect(stderr).toBe('');

    const checkpoint = (JSON.parse(readFileSync(join(dir, 'checkpoints.json'), 'utf8')) as { checkpoints: Record<string, number> })
      .checkpoints['analysis.alice.crash'];
    // At least once: the checkpoint never runs ahead of what the plugin processed.
    expect(checkpoint).toBeLessThanOrEqual(acked);
    // Bounded re-processing: the checkpoint had been reached shortly before the kill
    // (checkpoints are saved about once a second; the margin absorbs a loaded machine).
    const reachedAt = ackedAt.find((a) => a.offset >= checkpoint)!.at;
    expect(killedAt - reachedAt).toBeLessThan(5000);

    const engine = await Engine.start({ dataDir: dir, workers: 1, sampleStream: false });
    cleanups.push(() => engine.stop());
    // Nothing acknowledged was lost.
    expect(engine.stream.nextOffset).toBeGreaterThanOrEqual(ingested);
    const head = engine.stream.nextOffset;
    await waitFor('catch up', () => engine.plugin('alice.crash')!.nextOffset === head);
    await engine.stopPlugin('alice.crash');
    const o = JSON.parse(engine.outputs.get('analysis.alice.crash.check.json')!.payload) as SeqCheck;
    // The plugin (its state was not saved: no clean stop) resumed exactly at its checkpoint, with no gap.
    expect(o).toEqual({ first: checkpoint, next: head, count: head - checkpoint, dups: 0, gaps: 0, shutdown: true });
    expect(acked - checkpoint).toBeGreaterThanOrEqual(0);
  }, 240_000);
});
