/**
 * The rough edges a new user met on the tutorial path (issue 16), each walked
 * as that user would and checked by what a person (or a screen reader) is
 * told: roles, accessible names and visible text only.
 */
import { expect, test, type Page } from '@playwright/test';
import { screenshot, signIn } from './support/sign-in';

// Tests run in order (one worker) and build on each other's plugins; a failure does not skip the rest.

// The person of this file; their namespace is the e-mail's local part, '.' as '_'.
const EMAIL = 'rough.edges@example.com';
const NAMESPACE = 'rough_edges';

/** The tutorial's counter, typed as a reader types it: indentation by hand, every bracket and quote closed by hand. */
const TYPED_COUNTER = `var cnt = 0;
function process_message() {
  cnt = cnt + 1; // count the messages that matched
  return 0;
}

function timer_event(ns) {
  if (cnt > 0) {
    inject_payload("txt", "count", "seen " + cnt);
  }
}
`;

/** A little work per message: a test over the window takes seconds, not milliseconds. */
const SLOW = `var spent = 0;
function process_message() {
  for (let i = 0; i < 300; i++) spent += i;
  return 0;
}
function timer_event() {}
`;

const results = (page: Page) => page.getByRole('region', { name: 'Results' });

async function draftSaved(page: Page): Promise<void> {
  await expect(page.getByText('Draft saved', { exact: true })).toBeVisible({ timeout: 10_000 });
}

/** Replaces the plugin code by typing it, key by key, into the editor (found by its accessible name). */
async function typeCode(page: Page, code: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Plugin code' });
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(code);
}

async function testPlugin(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(results(page).getByText(/Test passed|The plugin was terminated|The test did not run/)).toBeVisible({ timeout: 60_000 });
}

test('finding 3: a name typed as <namespace>.<name> is refused for that reason, naming whose namespace it is', async ({ page }) => {
  await signIn(page, EMAIL);
  const name = page.getByLabel('Plugin name');
  await name.fill('alice.example');
  const problem = page.getByRole('alert').filter({ hasText: 'namespace' });
  await expect(problem).toHaveText(`"alice" is not your namespace: plugin names are <your namespace>.<name>, and yours is "${NAMESPACE}"; type only the name, "example"`);
  await expect(page.getByText('Start with a letter')).toHaveCount(0);
  await expect(name).toHaveAccessibleDescription(/is not your namespace/);

  await name.fill(`${NAMESPACE}.example`);
  await expect(page.getByRole('alert').filter({ hasText: `Leave out "${NAMESPACE}."` })).toBeVisible();

  // The server says the same rule when asked anyway.
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByText('Fix the highlighted fields, then test again.')).toBeVisible();
  await name.fill('example');
  await expect(page.getByRole('alert').filter({ hasText: 'namespace' })).toHaveCount(0);
  await draftSaved(page);
});

test('findings 1 and 2: a matcher error says its position once, and Test says the plugin did not run', async ({ page }) => {
  await signIn(page, EMAIL);
  await page.getByLabel('Plugin name').fill('example');
  const matcher = "Type == 'telemetry' && Fields[docType] = 'main'";
  const position = matcher.indexOf(" = ") + 1;
  expect(position).toBe(39);
  await page.getByLabel('Message matcher').fill(matcher);
  await page.getByRole('button', { name: 'Run Matcher' }).click();
  const error = page.getByRole('alert').filter({ hasText: 'Position 39' });
  await expect(error).toContainText("Position 39: '=' is not an operator: use '==' to compare");
  await expect(error).not.toContainText('at 39');
  await expect(page.getByLabel('Message matcher')).toHaveAccessibleDescription("Position 39: '=' is not an operator: use '==' to compare");

  await page.getByRole('button', { name: 'Test Plugin' }).click();
  const report = results(page);
  await expect(report.getByRole('heading', { name: 'The test did not run: the matcher has an error' })).toBeVisible({ timeout: 30_000 });
  await expect(report).toContainText("Position 39: '=' is not an operator: use '==' to compare");
  await expect(report).not.toContainText('at 39');
  // No advice about a plugin that never started, and no counts of a run that never was.
  await expect(report).not.toContainText('inject_payload');
  await expect(report).not.toContainText('0 scanned');
  await expect(report).toContainText('the plugin was not started');
  await screenshot(page, 'rough-edges-matcher-not-run');
});

test('finding 7: typing a plugin by hand gives exactly the text typed, and it runs', async ({ page }) => {
  await signIn(page, EMAIL);
  await page.getByLabel('Plugin name').fill('typed');
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await typeCode(page, TYPED_COUNTER);
  await draftSaved(page);
  const draft = await (await page.request.get('/api/draft')).json();
  expect(draft.source).toBe(TYPED_COUNTER);

  await testPlugin(page);
  await expect(results(page).getByText('Test passed')).toBeVisible();
  await expect(results(page)).toContainText(`analysis.${NAMESPACE}.typed.count.txt`);
});

test('finding 8: the Deploy page says when the first output appears; findings 5: the deploy dialog is named', async ({ page }) => {
  await signIn(page, EMAIL);
  const ticker = page.getByLabel('ticker_interval (s)');
  await expect(ticker).toHaveValue('60');
  await expect(ticker).toHaveAccessibleDescription(/first output appears about 60 seconds after Deploy .*\. Test Plugin shows it at once\./);
  await ticker.fill('0');
  await expect(page.getByText('With ticker_interval 0 it gets no timer_event() calls')).toBeVisible();
  await ticker.fill('2');
  await expect(ticker).toHaveAccessibleDescription(/first output appears about 2 seconds after Deploy/);

  await testPlugin(page);
  await expect(results(page).getByText('Test passed')).toBeVisible();
  await page.getByRole('button', { name: 'Deploy Plugin' }).click();
  const dialog = page.getByRole('dialog', { name: `${NAMESPACE}.typed is live` });
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await expect(dialog).toHaveAccessibleDescription('Deployed as version 1.');
  await expect(dialog).toContainText('Its first timer_event() output appears about 2 seconds from now');
  await screenshot(page, 'rough-edges-deploy-dialog');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();
});

test('finding 9: a restored draft says so, with the way back to the deployed version', async ({ page }) => {
  await signIn(page, EMAIL);
  // A fresh visit restores the saved draft (the deployed text): it says so.
  await expect(page.getByRole('status').filter({ hasText: 'Restored your draft from' })).toBeVisible();
  await page.getByRole('button', { name: 'Keep the draft' }).click();
  await expect(page.getByText('Restored your draft from')).toHaveCount(0);

  await page.getByLabel('Message matcher').fill("Type = 'telemetry'");
  await draftSaved(page);
  await page.reload();
  const notice = page.getByRole('status').filter({ hasText: 'Restored your draft from' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(/from \d{1,2}:\d{2}/);
  await expect(page.getByLabel('Message matcher')).toHaveValue("Type = 'telemetry'");
  await screenshot(page, 'rough-edges-draft-restored');

  await notice.getByRole('link', { name: 'Open the deployed version (v1)' }).click();
  await expect(page).toHaveURL(new RegExp(`/deploy\\?edit=${NAMESPACE}\\.typed$`));
  await expect(page.getByLabel('Message matcher')).toHaveValue("Type == 'telemetry'");
  await expect(page.getByText('Restored your draft from')).toHaveCount(0);
});

test('finding 9: with nothing deployed under its name, a restored draft offers the template', async ({ page }) => {
  await signIn(page, EMAIL);
  await page.getByLabel('Plugin name').fill('never_deployed');
  await page.getByLabel('Message matcher').fill("Type = 'broken'");
  await draftSaved(page);
  await page.reload();
  const notice = page.getByRole('status').filter({ hasText: 'Restored your draft from' });
  await expect(notice).toBeVisible();
  await notice.getByRole('button', { name: 'Start from the template' }).click();
  await expect(page.getByLabel('Message matcher')).toHaveValue("Type == 'telemetry'");
  await expect(page.getByLabel('Plugin name')).toHaveValue('example');
  await expect(notice).toBeHidden();
});

test('finding 6: Test Plugin marks the old report stale at once and shows it is working', async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, EMAIL);
  await page.getByLabel('Plugin name').fill('slow');
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await page.getByLabel('ticker_interval (s)').fill('60');
  await testPlugin(page);
  await expect(results(page).getByText('Test passed')).toBeVisible();

  await typeCode(page, SLOW);
  // An edit makes the shown report out of date, before any new test.
  await expect(results(page).getByText('Out of date: the text changed since this test.')).toBeVisible();

  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(results(page).getByRole('progressbar', { name: 'Test Plugin in progress' })).toBeVisible();
  await expect(results(page).getByText('The report below is from the previous test.')).toBeVisible();
  await expect(results(page).getByText(/^\d+ s$/)).toBeVisible();
  await screenshot(page, 'rough-edges-test-running');
  await expect(results(page).getByRole('progressbar')).toBeHidden({ timeout: 90_000 });
  await expect(results(page).getByText('Out of date')).toHaveCount(0);
});

test('finding 5: View Source and Delete dialogs are named by their heading', async ({ page }) => {
  await signIn(page, EMAIL);
  await page.getByRole('link', { name: 'Plugins' }).click();
  const actions = page.getByRole('button', { name: `Actions for ${NAMESPACE}.typed` });
  await actions.click();
  await page.getByRole('menuitem', { name: 'View Source' }).click();
  const source = page.getByRole('dialog', { name: `${NAMESPACE}.typed · v1` });
  await expect(source).toBeVisible();
  await source.getByRole('button', { name: 'Close' }).click();
  await expect(source).toBeHidden();

  await actions.click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${NAMESPACE}.typed?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
});

test("finding 4: another user's plugin offers only what the viewer may do, and why", async ({ page }) => {
  await signIn(page, 'rough.viewer@example.com');
  await page.getByRole('link', { name: 'Plugins' }).click();
  await page.getByRole('button', { name: `Actions for ${NAMESPACE}.typed` }).click();
  const menu = page.getByRole('menu', { name: `Actions for ${NAMESPACE}.typed` });
  const why = `Only ${NAMESPACE} (its owner) or an admin may do this`;
  for (const action of ['Stop', 'Restart', 'Delete']) {
    const item = menu.getByRole('menuitem', { name: action, exact: true });
    await expect(item).toBeDisabled();
    await expect(item).toHaveAccessibleDescription(why);
    await expect(item).toHaveAttribute('title', why);
  }
  await expect(menu.getByRole('menuitem', { name: 'Edit', exact: true })).toHaveCount(0);
  await expect(menu.getByRole('menuitem', { name: 'View Source' })).toBeEnabled();
  await screenshot(page, 'rough-edges-others-plugin-menu', { fullPage: false });

  // Choosing a disabled action does nothing: no "Delete ...?" question.
  await menu.getByRole('menuitem', { name: 'Delete', exact: true }).click({ force: true });
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // The menu is still open (a disabled item neither acts nor closes it).
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: 'Copy to my plugins' }).click();
  await expect(page).toHaveURL(new RegExp(`/deploy\\?edit=${NAMESPACE}\\.typed$`));
  await expect(page.getByText(`Copy of ${NAMESPACE}.typed v1: deploys as rough_viewer.typed`)).toBeVisible();
});

test('empty states: a newcomer sees one sentence and one button to Deploy on Plugins and Dashboards', async ({ page }) => {
  await signIn(page, 'rough.newcomer@example.com');
  await page.getByRole('link', { name: 'Plugins' }).click();
  const plugins = page.getByRole('note', { name: 'Getting started' });
  await expect(plugins).toContainText('You have no plugins yet: on Deploy, run a matcher');
  await screenshot(page, 'rough-edges-plugins-first-run');
  await page.getByRole('link', { name: 'Dashboards' }).click();
  const outputs = page.getByRole('note', { name: 'Getting started' });
  await expect(outputs).toContainText('None of these outputs is yours yet');
  await screenshot(page, 'rough-edges-dashboards-first-run');
  await outputs.getByRole('link', { name: 'Start on Deploy' }).click();
  await expect(page).toHaveURL(/\/deploy$/);
});
