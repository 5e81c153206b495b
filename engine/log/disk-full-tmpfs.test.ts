/**
 * Disk full for real: a 2 MiB tmpfs, filled until the stream refuses ingest
 * with DISK_FULL. Needs permission to mount (root); skipped elsewhere, where
 * the injected-ENOSPC tests in segment-log.test.ts still cover the logic.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { LogFullError } from './errors';
import { MessageStream } from './message-stream';

const mountPoint = mkdtempSync(join(tmpdir(), 'foresight-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  mounted = false;
}
afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint], { stdio: 'ignore' });
  rmdirSync(mountPoint);
});

describe('disk full on a real (tmpfs) file system', () => {
  it.skipIf(!mounted)('refuses ingest with DISK_FULL, keeps every acknowledged message, and recovers when space returns', async () => {
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, new Uint8Array(512 * 1024)); // space to give back later
    const dir = join(mountPoint, 'data');
    const samples = sampleMessages(20_000, 4);
    const stream = await MessageStream.open(dir, { log: { segmentBytes: 256 * 1024 }, windowCapacity: 100 });
    let acked = 0;
    let refusal: unknown;
    while (acked < samples.length) {
      try {
        const r = await stream.ingest(samples.slice(acked, acked + 100));
        expect(r.first).toBe(acked);
        acked += r.accepted;
      } catch (err) {
        refusal = err;
        break;
      }
    }
    expect(refusal).toBeInstanceOf(LogFullError);
    expect(refusal).toMatchObject({ code: 'DISK_FULL', retryAfterMs: expect.any(Number) });
    expect(acked).toBeGreaterThan(1000);
    expect(stream.nextOffset).toBe(acked);
    // A second attempt is refused the same way, without damage.
    await expect(stream.ingest(samples.slice(acked, acked + 100))).rejects.toMatchObject({ code: 'DISK_FULL' });

    const all = async (s: MessageStream) => {
      const out = [];
      for (let next = 0; next < s.nextOffset; ) {
        const page = await s.read(next, 1000);
        out.push(...page);
        next = page[page.length - 1].offset + 1;
      }
      return out;
    };
    const stored = await all(stream);
    expect(stored.length).toBe(acked);
    stored.forEach((e, i) => expect(e.message).toEqual(samples[i]));

    rmSync(filler); // space returns
    const r = await stream.ingest(samples.slice(acked, acked + 100));
    expect(r).toMatchObject({ first: acked, accepted: 100 });
    acked += 100;
    await stream.close();

    const again = await MessageStream.open(dir, { log: { segmentBytes: 256 * 1024 } });
    expect(again.openReport.truncatedBytes).toBe(0);
    expect(again.nextOffset).toBe(acked);
    const reread = await all(again);
    reread.forEach((e, i) => expect(e.message).toEqual(samples[i]));
    await again.close();
  });
});
