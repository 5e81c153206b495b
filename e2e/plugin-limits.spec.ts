/**
 * Limits are the platform's: asking for more than the server's cap is refused
 * (the API names the key, the value and the cap; the Deploy page shows a
 * limit smuggled among the user's keys on that key, and one asked for above
 * the cap under the config), and the Plugins tab
 * shows each plugin's effective limits beside the caps, by mouse and by keyboard.
 */
import { expect, test } from '@playwright/test';
import { screenshot, signIn } from './support/sign-in';

const SOURCE = `function process_message() { return 0 }
function timer_event() {}
`;

test('limit caps: refused above the cap on Test and Deploy, shown per plugin under Plugins', async ({ page }) => {
  await signIn(page, 'lena@example.com');

  // The issue's request, and the same limit asked for as the plugin's own field: both refused, saying why.
  const base = { name: 'greedy', matcher: "Type == 'telemetry'", source: SOURCE, config: { ticker_interval: 60, preserve_data: false, user: {} } };
  const smuggled = await page.request.post('/api/plugins/test', { data: { ...base, config: { ...base.config, user: { cpu_limit_ms: 600000 } } } });
  expect(smuggled.status()).toBe(400);
  expect((await smuggled.json()).issues).toEqual([{ path: 'config.user.cpu_limit_ms', message: 'Reserved: cpu_limit_ms is a limit the server sets, not one of your keys' }]);
  const asked = await page.request.post('/api/plugins/test', { data: { ...base, config: { ...base.config, cpu_limit_ms: 600000 } } });
  expect(asked.status()).toBe(400);
  expect((await asked.json()).issues).toEqual([
    { path: 'config.cpu_limit_ms', message: expect.stringContaining('cpu_limit_ms asks for 600000, more than this server allows (at most 1000 ms per call)') },
  ]);

  // On the Deploy page, the smuggled key is marked where it was typed.
  await page.getByLabel('Plugin name').fill('greedy');
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByLabel('Key 1', { exact: true }).fill('cpu_limit_ms');
  await page.getByLabel('Value 1', { exact: true }).fill('600000');
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByText('cpu_limit_ms: Reserved: cpu_limit_ms is a limit the server sets, not one of your keys')).toBeVisible();
  await expect(page.getByLabel('Key 1', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  // A text asking for more than the cap as its own field (a draft saved through the API): Test says so under the config.
  const draft = await page.request.put('/api/draft', { data: { ...base, config: { ...base.config, cpu_limit_ms: 600000 } } });
  expect(draft.ok(), await draft.text()).toBe(true);
  await page.reload();
  await expect(page.getByLabel('Plugin name')).toHaveValue('greedy');
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  const refusal = page.getByText('cpu_limit_ms asks for 600000, more than this server allows (at most 1000 ms per call); a plugin may ask for less, never more');
  await expect(refusal).toBeVisible();
  await refusal.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/plugin-limits-deploy-refused.png' });

  // A plugin that asks for less than the caps, and one that asks for nothing.
  for (const [name, config] of [
    ['modest', { ...base.config, cpu_limit_ms: 200, memory_limit: 16 * 1024 * 1024, process_message_inject_limit: 1 }],
    ['plain', base.config],
  ] as const) {
    const definition = { ...base, name, config };
    const tested = await page.request.post('/api/plugins/test', { data: definition });
    expect(tested.ok(), await tested.text()).toBe(true);
    const deployed = await page.request.post('/api/plugins', { data: { ...definition, deployProof: (await tested.json()).deployProof } });
    expect(deployed.ok(), await deployed.text()).toBe(true);
  }

  await page.getByRole('link', { name: 'Plugins' }).click();
  await expect(page).toHaveURL(/\/plugins/);
  const table = page.getByRole('table', { name: 'Plugins' });
  await expect(table.getByRole('columnheader', { name: 'Limits' })).toBeVisible();
  const plainLimits = page.getByRole('button', { name: 'Limits of lena.plain: 500 ms CPU per call, 8 MiB memory' });
  await expect(plainLimits).toHaveText('500 ms · 8 MiB');

  // Hover: the card lists every limit with the server's cap and where the value comes from.
  const modestLimits = page.getByRole('button', { name: 'Limits of lena.modest: 200 ms CPU per call, 16 MiB memory' });
  await modestLimits.hover();
  const card = page.getByRole('group', { name: 'Limits of lena.modest' });
  await expect(card).toBeVisible();
  await expect(modestLimits).toHaveAttribute('aria-expanded', 'true');
  const row = (key: string) => card.locator(`tr[data-limit="${key}"]`);
  await expect(row('cpu_limit_ms')).toContainText('CPU per call');
  await expect(row('cpu_limit_ms').getByRole('cell').nth(0)).toHaveText('200 msasked for');
  await expect(row('cpu_limit_ms').getByRole('cell').nth(1)).toHaveText('1 s');
  await expect(row('memory_limit').getByRole('cell').nth(0)).toHaveText('16 MiBasked for');
  await expect(row('memory_limit').getByRole('cell').nth(1)).toHaveText('64 MiB');
  await expect(row('output_limit').getByRole('cell').nth(0)).toHaveText('64 KiBdefault');
  await expect(row('output_limit').getByRole('cell').nth(1)).toHaveText('256 KiB');
  await expect(row('process_message_inject_limit').getByRole('cell').nth(0)).toHaveText('1asked for');
  await expect(row('timer_event_inject_limit').getByRole('cell').nth(1)).toHaveText('100');
  await screenshot(page, 'plugin-limits', { fullPage: false });

  // Leaving closes it; the keyboard opens and closes it too.
  await page.getByRole('heading', { level: 1 }).first().hover();
  await expect(card).toBeHidden();
  await plainLimits.focus();
  await page.keyboard.press('Enter');
  const plainCard = page.getByRole('group', { name: 'Limits of lena.plain' });
  await expect(plainCard).toBeVisible();
  await expect(plainCard.locator('tr[data-limit="cpu_limit_ms"]').getByRole('cell').nth(0)).toHaveText('500 msdefault');
  await page.keyboard.press('Escape');
  await expect(plainCard).toBeHidden();
  await expect(plainLimits).toHaveAttribute('aria-expanded', 'false');
  await expect(plainLimits).toBeFocused();
});
