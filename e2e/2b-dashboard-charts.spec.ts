/**
 * Dashboards draw a chart when an output suits one: a single number becomes a
 * line that grows, live, as the plugin publishes new values.
 */
import { expect, test } from '@playwright/test';
import { deployThroughApi } from './support/deploy';
import { screenshot, signIn } from './support/sign-in';

test('a single-number output is drawn as a line that grows while the page is open', async ({ page }) => {
  await signIn(page, 'grace@example.com');
  await deployThroughApi(page, {
    name: 'counter',
    matcher: "Type == 'telemetry'",
    source: 'var n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() { inject_payload("txt", "seen", n); }\n',
    tickerInterval: 1,
  });
  await page.goto('/dashboards');
  const link = page.getByRole('link', { name: 'analysis.grace.counter.seen.txt' });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await link.click();
  const chart = page.getByRole('img', { name: 'Line chart of analysis.grace.counter.seen.txt' });
  await expect(chart).toBeVisible();
  // Each second brings a new value and a new point, without a reload.
  await expect(chart).toContainText(/The last \d+ values since this page opened/, { timeout: 15_000 });
  const points = () => chart.locator('.recharts-line-dot').count();
  const before = await points();
  await expect.poll(points, { timeout: 15_000 }).toBeGreaterThan(before);
  await screenshot(page, '17-dashboard-value-chart');
});
