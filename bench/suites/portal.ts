/**
 * The portal's server-side costs: Run Matcher over 100k retained messages
 * (the engine's in-memory window, through the same RuntimePortalEngine the
 * web app uses), beside the same matcher over an array of decoded messages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compileMatcher, sampleMessages } from '../../engine/index';
import { RuntimePortalEngine } from '../../lib/portal-engine';
import type { Figure } from '../figure';

const COUNT = 100_000;
const MATCHER = "Type == 'telemetry' && Fields[docType] == 'crash'";

export async function run(): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'foresight-bench-portal-'));
  const portal = await RuntimePortalEngine.start({ dataDir: dir, sampleRate: 0, workers: 1 });
  try {
    const messages = sampleMessages(COUNT, 9);
    for (let i = 0; i < COUNT; i += 5000) await portal.engine.ingest(messages.slice(i, i + 5000));

    const times: number[] = [];
    let matched = 0;
    let scanned = 0;
    for (let i = 0; i < 6; i++) {
      const result = await portal.runMatcher({ matcher: MATCHER, offset: 0, limit: 25 });
      if (!result.ok) throw new Error(result.error.message);
      if (i > 0) times.push(result.elapsedMs);
      matched = result.matched;
      scanned = result.scanned;
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];

    const match = compileMatcher(MATCHER);
    const base: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      let n = 0;
      for (let j = messages.length - 1; j >= 0; j--) if (match(messages[j])) n++;
      if (n !== matched) throw new Error(`baseline matched ${n}, Run Matcher ${matched}`);
      if (i > 0) base.push(performance.now() - t0);
    }
    base.sort((a, b) => a - b);
    return [
      {
        name: 'portal.run_matcher_100k',
        unit: 'ms',
        value: ms,
        baseline: base[Math.floor(base.length / 2)],
        target: 300,
        note: `${scanned} retained messages scanned, ${matched} matched, first page of 25 as message trees; baseline: the compiled matcher over the same messages already decoded in a plain array`,
      },
    ];
  } finally {
    await portal.close();
    await rm(dir, { recursive: true, force: true });
  }
}
