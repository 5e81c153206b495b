/**
 * Mozilla's CEP tutorial, clicked through on the live engine and its built-in
 * sample stream: a bad matcher and its position, Run Matcher with paging, the
 * minimal plugin, a message counter, the count by docType, Deploy, the plugin
 * running under Plugins, its output updating live under Dashboards, Stop from
 * the context menu; then a throwing plugin with its line marked.
 */
import { expect, test, type Page } from '@playwright/test';
import { screenshot, signIn } from './support/sign-in';

test.describe.configure({ mode: 'serial' });

const MINIMAL = `function process_message() {
return 0; // success
}

function timer_event() {
}
`;

const COUNTER = `var cnt = 0;
function process_message() {
cnt = cnt + 1; // count the messages that matched
return 0;
}

function timer_event() {
inject_payload("txt", "types", cnt); // output the count
}
`;

const COUNT_BY_DOCTYPE = `var types = {};
function process_message() {
const dt = read_message("Fields[docType]") ?? "unknown";
types[dt] = (types[dt] || 0) + 1;
return 0;
}

function timer_event() {
add_to_payload("docType = Count\\n");
for (const k in types) add_to_payload(k, " = ", types[k], "\\n");
inject_payload("txt", "types");
}
`;

const THROWS_ON_LINE_3 = `function process_message() {
const doc = undefined;
return doc.type;
}
`;

/** Replaces the plugin code as a person pasting it would (Monaco neither auto-indents nor auto-closes a paste). */
async function setCode(page: Page, code: string): Promise<void> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((text) => navigator.clipboard.writeText(text), code);
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
  await expect(page.locator('.monaco-editor .view-lines').first()).toContainText(code.split('\n')[0].replace(/ /g, '\u00a0'));
}

async function testPlugin(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByTestId('test-report')).toContainText(/Test passed|terminated/, { timeout: 60_000 });
}

test('the tutorial on the live engine: matcher, test, deploy, live dashboard, stop', async ({ page }) => {
  await signIn(page, 'dave@example.com');
  await page.getByLabel('Plugin name').fill('example');
  await page.getByLabel('ticker_interval (s)').fill('1');

  // A typo in the matcher is shown where it is.
  await page.getByLabel('Message matcher').fill("Type = 'telemetry'");
  await page.getByRole('button', { name: 'Run Matcher' }).click();
  const error = page.getByTestId('matcher-error');
  await expect(error).toContainText('Position 5');
  await expect(error.locator('pre')).toContainText("Type = 'telemetry'\n     ^");
  await screenshot(page, '12-deploy-matcher-error');

  // Run Matcher over the recent stream; page through the matches.
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  const summary = page.getByTestId('matcher-summary');
  await expect(async () => {
    await page.getByRole('button', { name: 'Run Matcher' }).click();
    await expect(summary).toContainText(/(\d{2,}|[1-9],\d{3}) of [\d,]+ recent messages matched/, { timeout: 2000 });
    const matched = Number((await summary.innerText()).match(/([\d,]+) of/)![1].replace(/,/g, ''));
    expect(matched).toBeGreaterThan(25);
  }).toPass({ timeout: 60_000 });
  const list = page.getByRole('list', { name: 'Matched messages' });
  await expect(list.getByRole('listitem').first()).toContainText('Fields[docType]');
  await expect(list.getByRole('listitem').first()).toContainText('telemetry');
  await screenshot(page, '11-deploy-matcher-results');
  await page.getByRole('button', { name: 'Next matches' }).click();
  await expect(summary).toContainText('26–50');
  await expect(list).toContainText('#26');

  // The minimal plugin, then a counter: Deploy is gated on a passing test.
  const deploy = page.getByRole('button', { name: 'Deploy Plugin' });
  await setCode(page, MINIMAL);
  await expect(deploy).toBeDisabled();
  await testPlugin(page);
  await expect(page.getByTestId('test-report')).toContainText('Test passed');
  await expect(deploy).toBeEnabled();

  await setCode(page, COUNTER);
  await expect(deploy).toBeDisabled();
  await testPlugin(page);
  await expect(page.getByTestId('test-report')).toContainText('analysis.dave.example.types.txt');

  // Count by docType, as in the tutorial.
  await setCode(page, COUNT_BY_DOCTYPE);
  await testPlugin(page);
  const report = page.getByTestId('test-report');
  await expect(report).toContainText('Test passed');
  await expect(report).toContainText('docType = Count');
  await expect(report).toContainText(/main = \d+/);
  await screenshot(page, '13-deploy-test-passed');

  await deploy.click();
  await expect(page.getByRole('dialog')).toContainText('dave.example is live', { timeout: 30_000 });
  await screenshot(page, '14-deploy-live-dialog');
  await page.getByRole('button', { name: 'OK' }).click();

  await page.getByRole('link', { name: 'Plugins' }).click();
  const row = page.locator('tr[data-plugin="dave.example"]');
  await expect(row).toContainText('running');

  // Its output under Dashboards, updating without a reload.
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await expect(page).toHaveURL(/\/dashboards$/);
  const link = page.getByRole('link', { name: 'analysis.dave.example.types.txt' });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await link.click();
  const content = page.getByTestId('output-content');
  await expect(content).toContainText(/main = \d+/, { timeout: 15_000 });
  const mainCount = async () => Number((await content.innerText()).match(/main = (\d+)/)![1]);
  const before = await mainCount();
  await expect.poll(mainCount, { timeout: 20_000 }).toBeGreaterThan(before);
  // `docType = Count` lines suit a chart: bars per docType, above the raw text.
  const chart = page.getByRole('img', { name: 'Bar chart of analysis.dave.example.types.txt' });
  await expect(chart).toBeVisible();
  await expect.poll(() => chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(5);
  await screenshot(page, '16-dashboard-output');

  // Stop it from the context menu.
  await page.getByRole('link', { name: 'Plugins' }).click();
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Stop' }).click();
  await expect(row).toContainText('stopped', { timeout: 30_000 });
});

test('a plugin that throws has its line marked in the editor', async ({ page }) => {
  await signIn(page, 'erin@example.com');
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await setCode(page, THROWS_ON_LINE_3);
  await testPlugin(page);
  const report = page.getByTestId('test-report');
  await expect(report).toContainText('The plugin was terminated');
  await expect(report).toContainText(/line 3: process_message\(\) \S+\.js:3: TypeError/);
  await expect(page.locator('[data-failing-line="3"]')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Deploy Plugin' })).toBeDisabled();
  await screenshot(page, '15-deploy-test-terminated');
});

test('the editor is usable on a 1366×768 laptop screen', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await signIn(page, 'carol@example.com');
  await expect(page.locator('.monaco-editor').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deploy Plugin' })).toBeInViewport();
  await page.screenshot({ path: 'e2e/screenshots/18-deploy-laptop-1366.png' });
});
