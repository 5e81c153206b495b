/**
 * portal.output_push_latency: from a plugin's output changing in the engine
 * to a real browser showing the new content, through the whole portal.
 *
 * Starts the production server (building it first when the sources are newer
 * than the build) on a spare port with a fresh data directory, signs in
 * through the local stand-in in Debian's Chromium, deploys a plugin whose
 * ticker publishes every second, opens its dashboard page, and records, for
 * each change the page shows, the browser's clock minus the output's
 * `updatedAt` (set by the engine when timer_event published it; both clocks
 * are this machine's). Baseline: the same browser fetching the same output
 * over HTTP (one request, what a polling page pays at best per look).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { startServerProcess, stopServerProcess } from '../../scripts/server-process';
import type { Figure } from '../figure';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLES = 15;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGIN = {
  name: 'push_bench',
  matcher: "Type == 'telemetry'",
  source: 'var n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() { inject_payload("txt", "count", n); }\n',
  config: { ticker_interval: 1, preserve_data: false, user: {} },
};

export async function run(): Promise<Figure[]> {
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-if-needed.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the production build failed');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'foresight-bench-push-'));
  const port = await sparePort();
  const base = `http://localhost:${port}`;
  const server = await startServerProcess({ port, dataDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ baseURL: base });
    await page.goto('/deploy');
    await page.getByRole('button', { name: 'Continue with local sign-in' }).click();
    await page.getByLabel('E-mail address').fill('bench@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/deploy$/);

    const tested = await (await page.request.post('/api/plugins/test', { data: PLUGIN })).json();
    if (!tested.passed) throw new Error(`Test Plugin did not pass: ${JSON.stringify(tested.termination ?? tested)}`);
    const deployed = await page.request.post('/api/plugins', { data: { ...PLUGIN, deployProof: tested.deployProof } });
    if (!deployed.ok()) throw new Error(`Deploy failed: ${await deployed.text()}`);

    const output = `analysis.bench.${PLUGIN.name}.count.txt`;
    const deadline = Date.now() + 30_000;
    while ((await page.request.get(`/api/outputs/${output}`)).status() !== 200) {
      if (Date.now() > deadline) throw new Error(`${output} did not appear within 30 s`);
      await page.waitForTimeout(200);
    }
    await page.goto(`/dashboards/${output}`);
    const content = page.getByTestId('output-content');
    await content.waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { pushLatencies: number[] };
      w.pushLatencies = [];
      const pre = document.querySelector('[data-testid="output-content"]')!;
      let last = pre.getAttribute('data-updated-at');
      new MutationObserver(() => {
        const at = pre.getAttribute('data-updated-at');
        if (!at || at === last) return;
        last = at;
        w.pushLatencies.push(Date.now() - Date.parse(at));
      }).observe(pre, { attributes: true, childList: true, characterData: true, subtree: true });
    });
    await page.waitForFunction((n) => (window as unknown as { pushLatencies: number[] }).pushLatencies.length >= n, SAMPLES, {
      timeout: (SAMPLES + 15) * 1000,
      polling: 250,
    });
    const latencies = await page.evaluate(() => (window as unknown as { pushLatencies: number[] }).pushLatencies);

    const fetches: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      fetches.push(await page.evaluate(async (url) => {
        const t0 = performance.now();
        await (await fetch(url)).json();
        return performance.now() - t0;
      }, `/api/outputs/${output}`));
    }
    const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
    return [
      {
        name: 'portal.output_push_latency',
        unit: 'ms p50',
        value: p(latencies, 0.5),
        baseline: p(fetches, 0.5),
        target: 1000,
        note: `p95 ${p(latencies, 0.95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms over ${latencies.length} changes (engine → socket.io → page); baseline: one HTTP read of the same output from the page`,
      },
    ];
  } finally {
    await browser.close();
    await stopServerProcess(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
