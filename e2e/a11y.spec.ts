/**
 * The accessibility audit (axe-core through @axe-core/playwright): every page
 * signed out and signed in, and every dialog and menu while open, in the
 * light and the dark colour scheme, has no serious or critical violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { deployThroughApi } from './support/deploy';
import { screenshot, signIn } from './support/sign-in';

// Tests run in order (one worker) and build on each other's plugins; a failure does not skip the rest.

/** Passes Test Plugin (on messages already in the stream), then throws on the live stream once `after` (ns) has passed. */
function throwsAfter(after: number): string {
  return `function process_message() {
  const doc = read_message("Timestamp") > ${after} ? undefined : { type: 0 };
  return doc.type;
}
function timer_event() {}
`;
}

const COUNTER = `var n = 0;
function process_message() { n++; return 0; }
function timer_event() { inject_payload("txt", "seen", "seen = " + n); }
`;

/** Fails with each serious or critical violation: its rule, what it says, and the elements it found; keeps a screenshot of what was audited. */
async function audit(page: Page, what: string): Promise<void> {
  const scheme = await page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  await screenshot(page, `a11y-${scheme}-${what.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`, { fullPage: false });
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n    ')}`);
  // Soft: one run lists every state's violations, not only the first.
  expect.soft(serious, `${what}: serious or critical accessibility violations`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} colour scheme`, () => {
    test.use({ colorScheme });
    // Each signed-in walk audits many states, each a full axe run.
    test.setTimeout(180_000);

    test('signed out: the sign-in page, the local sign-in form, and a missing page', async ({ page }) => {
      await page.goto('/login');
      await expect(page.getByRole('button', { name: 'Continue with local sign-in' })).toBeVisible();
      await audit(page, 'sign-in page');
      await page.getByRole('button', { name: 'Continue with local sign-in' }).click();
      await expect(page.getByRole('heading', { name: 'Sign in to Foresight' })).toBeVisible();
      await audit(page, 'local sign-in form');
      await page.goto('/no-such-page');
      await audit(page, 'page not found');
    });

    test('signed in: Deploy in each state, with its dialog', async ({ page }) => {
      await signIn(page, `a11y.${colorScheme}@example.com`);
      await expect(page.getByRole('textbox', { name: 'Plugin code' })).toBeAttached({ timeout: 30_000 });
      await audit(page, 'Deploy, as first opened');

      await page.getByLabel('Message matcher').fill("Type = 'telemetry'");
      await page.getByRole('button', { name: 'Run Matcher' }).click();
      await expect(page.getByText("Position 5: '=' is not an operator")).toBeVisible();
      await audit(page, 'Deploy, with a matcher error');

      await page.getByRole('button', { name: 'Test Plugin' }).click();
      await expect(page.getByRole('heading', { name: 'The test did not run: the matcher has an error' })).toBeVisible({ timeout: 30_000 });
      await audit(page, 'Deploy, a Test report that did not run');

      await page.getByLabel('Plugin name').fill('other.example');
      await expect(page.getByText('"other" is not your namespace')).toBeVisible();
      await audit(page, 'Deploy, a refused plugin name');
      await page.getByLabel('Plugin name').fill('audited');

      await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
      await expect(async () => {
        await page.getByRole('button', { name: 'Run Matcher' }).click();
        await expect(page.getByRole('list', { name: 'Matched messages' })).toBeVisible({ timeout: 3000 });
      }).toPass({ timeout: 60_000 });
      await audit(page, 'Deploy, with matched messages');

      await page.getByLabel('ticker_interval (s)').fill('1');
      await page.getByRole('button', { name: 'Test Plugin' }).click();
      await expect(page.getByText('Test passed')).toBeVisible({ timeout: 60_000 });
      await audit(page, 'Deploy, a passing Test report');

      await page.getByRole('button', { name: 'Deploy Plugin' }).click();
      const dialog = page.getByRole('dialog', { name: /is live$/ });
      await expect(dialog).toBeVisible({ timeout: 30_000 });
      await audit(page, 'the deploy dialog');
      await dialog.getByRole('button', { name: 'OK' }).click();

      await page.reload();
      await expect(page.getByText('Restored your draft from')).toBeVisible();
      await audit(page, 'Deploy, a restored draft');
    });

    test('signed in: Plugins, its menu and every dialog; Dashboards; Settings', async ({ page }) => {
      const email = `a11y.tabs.${colorScheme}@example.com`;
      const namespace = `a11y_tabs_${colorScheme}`;
      await signIn(page, email);
      await deployThroughApi(page, { name: 'counter', matcher: "Type == 'telemetry'", source: COUNTER, tickerInterval: 1 });
      await page.goto('/plugins');
      await expect(page.getByRole('button', { name: `Actions for ${namespace}.counter` })).toBeVisible();
      await audit(page, 'Plugins');

      const actions = page.getByRole('button', { name: `Actions for ${namespace}.counter` });
      await actions.click();
      await expect(page.getByRole('menu', { name: `Actions for ${namespace}.counter` })).toBeVisible();
      await audit(page, 'Plugins, the actions menu');
      await page.getByRole('menuitem', { name: 'View Source' }).click();
      await expect(page.getByRole('dialog', { name: `${namespace}.counter · v1` })).toBeVisible();
      await audit(page, 'the View Source dialog');
      await page.keyboard.press('Escape');

      await actions.click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await expect(page.getByRole('dialog', { name: `Delete ${namespace}.counter?` })).toBeVisible();
      await audit(page, 'the Delete dialog');
      await page.keyboard.press('Escape');

      await page.goto('/dashboards');
      const output = page.getByRole('link', { name: `analysis.${namespace}.counter.seen.txt` });
      await expect(output).toBeVisible({ timeout: 30_000 });
      await audit(page, 'Dashboards');
      await output.click();
      await expect(page.getByText(/seen = \d+/)).toBeVisible({ timeout: 15_000 });
      await audit(page, 'an output');

      await page.goto('/settings');
      await audit(page, 'Settings');
    });

    test('signed in: a terminated plugin and its error dialog; empty tabs; an admin', async ({ page, browser }) => {
      const namespace = `a11y_err_${colorScheme}`;
      await signIn(page, `a11y.err.${colorScheme}@example.com`);
      await page.goto('/plugins');
      await audit(page, 'Plugins, empty');
      await page.goto('/dashboards');
      await audit(page, 'Dashboards, empty');

      // Terminated on the live stream a few seconds after its deploy, so it has an error to view.
      await deployThroughApi(page, { name: 'thrower', matcher: "Type == 'telemetry'", source: throwsAfter((Date.now() + 3000) * 1e6), tickerInterval: 0 });
      await page.goto('/plugins');
      const actions = page.getByRole('button', { name: `Actions for ${namespace}.thrower` });
      await expect(page.getByRole('row', { name: new RegExp(`${namespace}\\.thrower, terminated`) })).toBeVisible({ timeout: 40_000 });
      await actions.click();
      await page.getByRole('menuitem', { name: 'View Error' }).click();
      await expect(page.getByRole('dialog', { name: `${namespace}.thrower was terminated` })).toBeVisible();
      await audit(page, 'the View Error dialog');
      await page.keyboard.press('Escape');

      const adminContext = await browser.newContext({ colorScheme });
      const admin = await adminContext.newPage();
      await signIn(admin, 'admin@example.com');
      await admin.goto('/settings');
      await expect(admin.getByText('Engine', { exact: true }).first()).toBeVisible();
      await audit(admin, 'Settings, as an admin (Engine)');
      await adminContext.close();
    });
  });
}
