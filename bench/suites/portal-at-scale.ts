/**
 * portal_at_scale: what one person's browser pays to look at a large
 * deployment. With 10 and then 1,000 plugins deployed (the fleet of
 * at-rest.ts), Debian's Chromium opens the Plugins page and the Dashboards
 * page and counts the socket.io bytes each receives (WebSocket frames, from
 * the DevTools protocol) and the share of time its main thread is busy, then
 * clicks outputs on the Dashboards page and times each until its content
 * shows.
 *
 * Baseline: the same figures with 10 plugins, in the same run. Targets:
 * bytes grow at most linearly with the plugin count (and should not grow at
 * all, since a page shows one page of rows); opening an output under 1 s.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import type { Figure } from '../figure';
import { buildPortal, LARGE_FLEET, SMALL_FLEET, startFleet, type Fleet } from './at-rest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SETTLE_MS = 8_000;
const WATCH_MS = Number(process.env.BENCH_VIEW_MS ?? 20_000);
const OPENS = 5;

interface ViewFigures {
  pluginsBytesPerS: number;
  dashboardsBytesPerS: number;
  pluginsBusy: number;
  dashboardsBusy: number;
  pluginsHtmlBytes: number;
  openMs: number;
  openMaxMs: number;
}

/** Counts WebSocket bytes received by a page and its main thread's task time. */
async function watchPage(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  let bytes = 0;
  cdp.on('Network.webSocketFrameReceived', (e: { response: { payloadData: string } }) => {
    bytes += Buffer.byteLength(e.response.payloadData);
  });
  const taskSeconds = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  };
  return {
    reset: () => (bytes = 0),
    bytes: () => bytes,
    taskSeconds,
  };
}

async function measure(browser: Browser, fleet: Fleet): Promise<ViewFigures> {
  const context = await browser.newContext({ baseURL: fleet.base, viewport: { width: 1400, height: 900 } });
  const token = fleet.cookies.get('ann')!.split('=')[1];
  await context.addCookies([{ name: 'authjs.session-token', value: token, url: fleet.base }]);
  try {
    const html = await (await fetch(`${fleet.base}/plugins`, { headers: { cookie: fleet.cookies.get('ann')! } })).text();
    const plugins = await context.newPage();
    const dashboards = await context.newPage();
    const pw = await watchPage(plugins);
    const dw = await watchPage(dashboards);
    await plugins.goto('/plugins');
    await plugins.locator('tr[data-plugin]').first().waitFor();
    await dashboards.goto('/dashboards');
    await dashboards.locator('li[data-output]').first().waitFor();
    await plugins.waitForTimeout(2_000);
    // For looking at the pages at scale: BENCH_SCREENSHOTS=<dir> keeps a full-page picture of each.
    const shots = process.env.BENCH_SCREENSHOTS;
    if (shots) {
      await plugins.screenshot({ path: `${shots}/plugins-${fleet.deployMs.length}.png`, fullPage: true });
      await dashboards.screenshot({ path: `${shots}/dashboards-${fleet.deployMs.length}.png`, fullPage: true });
    }
    pw.reset();
    dw.reset();
    const [p0, d0] = [await pw.taskSeconds(), await dw.taskSeconds()];
    const t0 = performance.now();
    await plugins.waitForTimeout(WATCH_MS);
    const seconds = (performance.now() - t0) / 1000;
    const [p1, d1] = [await pw.taskSeconds(), await dw.taskSeconds()];
    const figures = {
      pluginsBytesPerS: pw.bytes() / seconds,
      dashboardsBytesPerS: dw.bytes() / seconds,
      pluginsBusy: (100 * (p1 - p0)) / seconds,
      dashboardsBusy: (100 * (d1 - d0)) / seconds,
      pluginsHtmlBytes: Buffer.byteLength(html),
    };
    await plugins.close();

    const opens: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      const link = dashboards.locator('li[data-output] a').nth(i);
      const t = performance.now();
      await link.click();
      await dashboards.getByTestId('output-content').waitFor();
      opens.push(performance.now() - t);
      await dashboards.goBack();
      await dashboards.locator('li[data-output]').first().waitFor();
    }
    opens.sort((a, b) => a - b);
    return { ...figures, openMs: opens[Math.floor(opens.length / 2)], openMaxMs: opens[opens.length - 1] };
  } finally {
    await context.close();
  }
}

async function measureFleet(browser: Browser, count: number): Promise<ViewFigures> {
  const fleet = await startFleet(count, { concurrency: 4 });
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return await measure(browser, fleet);
  } finally {
    await fleet.stop();
  }
}

export async function run(): Promise<Figure[]> {
  buildPortal();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const small = await measureFleet(browser, SMALL_FLEET);
    const large = await measureFleet(browser, LARGE_FLEET);
    const growth = LARGE_FLEET / SMALL_FLEET;
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    return [
      {
        name: 'portal_at_scale.plugins_viewer',
        unit: 'B/s',
        value: large.pluginsBytesPerS,
        baseline: small.pluginsBytesPerS,
        target: small.pluginsBytesPerS * growth,
        note: `socket.io bytes to one Plugins page in Chromium with ${LARGE_FLEET} plugins (main thread busy ${large.pluginsBusy.toFixed(1)}%, page HTML ${kib(large.pluginsHtmlBytes)}); baseline ${SMALL_FLEET} plugins (busy ${small.pluginsBusy.toFixed(1)}%, HTML ${kib(small.pluginsHtmlBytes)}); target: linear growth`,
      },
      {
        name: 'portal_at_scale.dashboards_viewer',
        unit: 'B/s',
        value: large.dashboardsBytesPerS,
        baseline: small.dashboardsBytesPerS,
        target: small.dashboardsBytesPerS * growth,
        note: `socket.io bytes to one Dashboards page in Chromium with ${LARGE_FLEET} plugins (main thread busy ${large.dashboardsBusy.toFixed(1)}%); baseline ${SMALL_FLEET} plugins (busy ${small.dashboardsBusy.toFixed(1)}%); target: linear growth`,
      },
      {
        name: 'portal_at_scale.open_output',
        unit: 'ms',
        value: large.openMs,
        baseline: small.openMs,
        target: 1000,
        note: `click on a Dashboards row until the output's content shows, median of ${OPENS} (max ${large.openMaxMs.toFixed(0)} ms) with ${LARGE_FLEET} plugins; baseline ${SMALL_FLEET} plugins (max ${small.openMaxMs.toFixed(0)} ms)`,
      },
    ];
  } finally {
    await browser.close();
  }
}
