/**
 * The tutorial path without a mouse: sign in, Run Matcher, open a message,
 * type the plugin, Test, Deploy, the Plugins menu and a dialog, Dashboards and
 * an output. Focus moves only by Tab / Shift+Tab (checked against accessible
 * names), and everything is done with Enter, Escape, Shift+F10 and typing.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';

const EMAIL = 'keys.only@example.com';
const NAMESPACE = 'keys_only';

const COUNTER = `var cnt = 0;
function process_message() {
  cnt = cnt + 1;
  return 0;
}
function timer_event(ns) {
  inject_payload("txt", "count", "seen = " + cnt);
}
`;

/**
 * Presses Tab (or Shift+Tab) until `target` has the focus. Monaco keeps Tab
 * for indentation: inside it, Ctrl+M (its own accessibility toggle) first
 * hands Tab back to the page, as a keyboard user would.
 */
async function tabTo(page: Page, target: Locator, direction: 'forward' | 'backward' = 'forward', max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    const focused = await target
      .first()
      .evaluate((el) => el === document.activeElement)
      .catch(() => false);
    if (focused) return;
    const inEditor = await page.evaluate(() => document.activeElement?.closest('.monaco-editor') != null);
    if (inEditor) await page.keyboard.press('Control+m');
    await page.keyboard.press(direction === 'forward' ? 'Tab' : 'Shift+Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

test('the tutorial path, keyboard only', async ({ page }) => {
  test.setTimeout(180_000);

  // Sign in.
  await page.goto('/login');
  await tabTo(page, page.getByRole('button', { name: 'Continue with local sign-in' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Sign in to Foresight' })).toBeVisible();
  await tabTo(page, page.getByRole('textbox', { name: 'E-mail address' }));
  await page.keyboard.type(EMAIL);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/deploy$/);

  // Name and matcher; Enter in the matcher runs it.
  await tabTo(page, page.getByRole('textbox', { name: 'Plugin name' }));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('keys');
  const matcher = page.getByRole('textbox', { name: 'Message matcher' });
  await tabTo(page, matcher);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type("Type == 'telemetry'");
  const matches = page.getByRole('list', { name: 'Matched messages' });
  await expect(async () => {
    await page.keyboard.press('Enter');
    await expect(matches.getByRole('listitem').nth(1)).toBeVisible({ timeout: 3000 });
  }).toPass({ timeout: 60_000 });

  // Type the plugin, then on to a message in the results and open it.
  await tabTo(page, page.getByRole('textbox', { name: 'Plugin code' }));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(COUNTER);
  const ticker = page.getByRole('textbox', { name: 'ticker_interval (s)' });
  await tabTo(page, ticker);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('1');
  const second = matches.getByRole('listitem').nth(1).getByRole('button');
  await tabTo(page, second);
  await expect(second).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Enter');
  await expect(second).toHaveAttribute('aria-expanded', 'true');
  await expect(matches.getByRole('listitem').nth(1)).toContainText('Fields');

  // Test, then Deploy; the dialog's OK by keyboard.
  await tabTo(page, page.getByRole('button', { name: 'Test Plugin' }), 'backward');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Test passed')).toBeVisible({ timeout: 60_000 });
  await tabTo(page, page.getByRole('button', { name: 'Deploy Plugin' }));
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `${NAMESPACE}.keys is live` });
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await tabTo(page, dialog.getByRole('button', { name: 'OK' }));
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();

  // Plugins: the row's menu (Shift+F10), View Source, Escape back.
  await tabTo(page, page.getByRole('link', { name: 'Plugins', exact: true }), 'backward');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/plugins$/);
  const row = page.getByRole('row', { name: new RegExp(`^${NAMESPACE}\\.keys, `) });
  await tabTo(page, row);
  await page.keyboard.press('Shift+F10');
  const menu = page.getByRole('menu', { name: `Actions for ${NAMESPACE}.keys` });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'View Source' })).toBeFocused();
  await page.keyboard.press('Enter');
  const source = page.getByRole('dialog', { name: `${NAMESPACE}.keys · v1` });
  await expect(source).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(source).toBeHidden();
  await tabTo(page, row);
  await page.keyboard.press('Shift+F10');
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(row).toBeFocused();

  // Dashboards: its output, opened from the list.
  await tabTo(page, page.getByRole('link', { name: 'Dashboards', exact: true }), 'backward');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/dashboards$/);
  const output = page.getByRole('link', { name: `analysis.${NAMESPACE}.keys.count.txt` });
  await expect(output).toBeVisible({ timeout: 30_000 });
  await tabTo(page, output);
  await page.keyboard.press('Enter');
  await expect(page.getByText(/seen = \d+/)).toBeVisible({ timeout: 15_000 });
});
