/**
 * The Plugins and Dashboards pages with more rows than a page holds: own
 * rows first, search, paging, and live updates of exactly the rows on the
 * page (a page watches its rows; only their changes are pushed). The page
 * must stay correct: what it shows catches up with the server without a
 * reload, on the first page and after paging.
 */
import { expect, test, type Page } from '@playwright/test';
import { deployThroughApi } from './support/deploy';
import { screenshot, signIn } from './support/sign-in';

test.describe.configure({ mode: 'serial' });

/** Ten outputs a second, each a different running count. */
const TEN_OUTPUTS =
  'var n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() {\n  for (var i = 0; i < 10; i++) inject_payload("txt", "c" + i, n + i);\n}\n';

async function rowsOnPage(page: Page) {
  return page.locator('li[data-output]').evaluateAll((els) => els.map((el) => ({ name: el.getAttribute('data-output')!, updatedAt: el.getAttribute('data-updated-at')! })));
}

test('a Dashboards page of many outputs stays correct with live updates, on every page', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await signIn(page, 'hana@example.com');
  for (let i = 0; i < 6; i++) {
    await deployThroughApi(page, { name: `fleet${i}`, matcher: "Type == 'telemetry'", source: TEN_OUTPUTS, tickerInterval: 1 });
  }
  // Another user's plugin: hana's own outputs still come first.
  const otherContext = await browser.newContext();
  const ivan = await otherContext.newPage();
  await signIn(ivan, 'ivan@example.com');
  await deployThroughApi(ivan, { name: 'aaa', matcher: "Type == 'telemetry'", source: TEN_OUTPUTS, tickerInterval: 1 });

  await page.goto('/dashboards');
  // Ivan's outputs appear without a reload as his plugin first publishes; the count follows.
  const totalOf = async (query: string) => (await (await page.request.get(`/api/outputs?${query}`)).json()).total as number;
  await expect.poll(() => totalOf('q=analysis.ivan.aaa.'), { timeout: 30_000 }).toBe(10);
  const total = await totalOf('');
  expect(total).toBeGreaterThanOrEqual(70);
  await expect(page.getByTestId('list-position')).toHaveText(`1–50 of ${total}`, { timeout: 30_000 });
  const first = await rowsOnPage(page);
  expect(first).toHaveLength(50);
  expect(first.every((r) => r.name.startsWith('analysis.hana.'))).toBe(true);
  await screenshot(page, '19-dashboards-many-outputs');

  // Live: every row on the page catches up with the server's value, without a reload.
  const server = async () =>
    new Map(((await (await page.request.get('/api/outputs?limit=200')).json()).outputs as { name: string; updatedAt: string }[]).map((o) => [o.name, o.updatedAt]));
  const before = await server();
  await expect
    .poll(async () => (await rowsOnPage(page)).filter((r) => r.updatedAt >= before.get(r.name)! && r.updatedAt > first.find((f) => f.name === r.name)!.updatedAt).length, { timeout: 20_000 })
    .toBe(50);

  // The next page: the rest of hana's outputs, then everyone else's; hana's update live there too.
  await page.getByRole('button', { name: 'Next page' }).click();
  await expect(page.getByTestId('list-position')).toHaveText(`51–${Math.min(100, total)} of ${total}`);
  const second = await rowsOnPage(page);
  expect(second.slice(0, 10).every((r) => r.name.startsWith('analysis.hana.'))).toBe(true);
  expect(second.slice(10).some((r) => r.name.startsWith('analysis.hana.'))).toBe(false);
  const now = await server();
  await expect
    .poll(async () => (await rowsOnPage(page)).filter((r) => r.name.startsWith('analysis.hana.') && r.updatedAt > now.get(r.name)!).length, { timeout: 20_000 })
    .toBe(10);

  // Search narrows the list; the row still updates live and opens.
  await page.getByLabel('Search outputs').fill('fleet3.c7');
  await expect(page.getByTestId('list-position')).toHaveText('1–1 of 1');
  const row = page.locator('li[data-output="analysis.hana.fleet3.c7.txt"]');
  const shown = await row.getAttribute('data-updated-at');
  await expect.poll(() => row.getAttribute('data-updated-at'), { timeout: 10_000 }).not.toBe(shown);
  await row.getByRole('link').click();
  await expect(page.getByTestId('output-content')).toHaveText(/^\d+$/);

  // Ivan sees his own output first.
  await ivan.goto('/dashboards');
  await expect(ivan.locator('li[data-output]').first()).toHaveAttribute('data-output', /^analysis\.ivan\.aaa\./);
  await otherContext.close();
});

test('the Plugins page pages the plugins, own first, with live figures for the rows shown', async ({ page }) => {
  await signIn(page, 'ivan@example.com');
  await page.goto('/plugins');
  const total = (await (await page.request.get('/api/plugins')).json()).total as number;
  expect(total).toBeGreaterThanOrEqual(7);
  await expect(page.getByTestId('list-position')).toHaveText(`1–${Math.min(50, total)} of ${total}`);
  await expect(page.locator('tr[data-plugin]').first()).toHaveAttribute('data-plugin', 'ivan.aaa');
  const messages = page.locator('tr[data-plugin="ivan.aaa"] td').nth(3);
  const count = async () => Number((await messages.innerText()).replace(/[^\d]/g, '') || 0);
  const before = await count();
  await expect.poll(count, { timeout: 20_000 }).toBeGreaterThan(before);
  await page.getByLabel('Only mine').check();
  await expect(page.getByTestId('list-position')).toHaveText('1–1 of 1');
  await page.getByLabel('Only mine').uncheck();
  await page.getByLabel('Search plugins').fill('fleet5');
  await expect(page.locator('tr[data-plugin]')).toHaveCount(1);
  await page.getByLabel('Search plugins').fill('no such plugin');
  await expect(page.getByText('No plugins match')).toBeVisible();
  await page.getByLabel('Search plugins').fill('');
  await expect(page.getByTestId('list-position')).toHaveText(`1–${Math.min(50, total)} of ${total}`);
  await screenshot(page, '20-plugins-paged');
});
