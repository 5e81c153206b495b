import { expect, test } from '@playwright/test';
import { deployThroughApi } from './support/deploy';
import { screenshot, signIn } from './support/sign-in';

test.describe.configure({ mode: 'serial' });

test('APIs answer 401 JSON without a session', async ({ request }) => {
  const res = await request.get('/api/plugins');
  expect(res.status()).toBe(401);
  expect(await res.json()).toEqual({ error: 'Sign in to use this API' });
});

test('a person signs in through the local stand-in, sees the editor and types a matcher that survives a reload', async ({ page }) => {
  await page.goto('/login');
  await screenshot(page, '01-login');
  await page.getByRole('button', { name: 'Continue with local sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Foresight' })).toBeVisible();
  await screenshot(page, '02-local-signin-stand-in');
  await page.getByLabel('E-mail address').fill('Alice.Smith@example.com');
  await page.getByLabel('Name (optional)').fill('Alice Smith');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/deploy$/);
  await expect(page.getByTestId('current-user')).toHaveText('Alice Smith');
  await expect(page.getByText('namespace alice_smith')).toBeVisible();
  await expect(page.getByText('alice_smith.', { exact: true })).toBeVisible();

  // Monaco loaded from our bundle, holding the starter plugin.
  const code = page.locator('.monaco-editor').first();
  await expect(code).toBeVisible();
  await expect(page.locator('.view-lines')).toContainText('function process_message()');

  const matcher = page.getByLabel('Message matcher');
  const matcherSaved = page.waitForResponse((r) => r.url().endsWith('/api/draft') && r.request().method() === 'PUT' && (r.request().postData() ?? '').includes('docType] == '));
  await matcher.fill("Type == 'telemetry' && Fields[docType] == 'main'");
  expect((await matcherSaved).status()).toBe(200);
  await expect(page.getByTestId('draft-status')).toHaveText('Draft saved');
  await expect(page.getByRole('button', { name: 'Deploy Plugin' })).toBeDisabled();

  // Typing in the code editor changes the draft too.
  const codeSaved = page.waitForResponse((r) => r.url().endsWith('/api/draft') && r.request().method() === 'PUT' && (r.request().postData() ?? '').includes('counts main pings'));
  await code.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// counts main pings');
  expect((await codeSaved).status()).toBe(200);
  await expect(page.getByTestId('draft-status')).toHaveText('Draft saved');
  await screenshot(page, '03-deploy-editor');

  await page.reload();
  await expect(page.getByLabel('Message matcher')).toHaveValue("Type == 'telemetry' && Fields[docType] == 'main'");
  // Monaco renders only the lines in view: go to the end first.
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('Control+End');
  await expect(page.locator('.view-lines')).toContainText('// counts main pings');
});

test('invalid fields are named where they are', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.getByLabel('Plugin name').fill('my.plugin');
  await page.getByLabel('ticker_interval (s)').fill('-5');
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByText('"my" is not your namespace: plugin names are <your namespace>.<name>', { exact: false })).toBeVisible();
  await expect(page.getByText('At least 0')).toBeVisible();
  await page.getByLabel('Plugin name').fill('example');
  await page.getByLabel('ticker_interval (s)').fill('60');
});

test('empty Plugins and Dashboards tabs explain what to do', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.getByRole('link', { name: 'Plugins' }).click();
  await expect(page.getByText('No plugins deployed yet')).toBeVisible();
  await screenshot(page, '04-plugins-empty');
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await expect(page.getByRole('heading', { name: 'Raw Dashboard Output' })).toBeVisible();
  await expect(page.getByText('No outputs yet')).toBeVisible();
  await screenshot(page, '05-dashboards-empty');
});

test('on the live engine: Run Matcher, Test Plugin, Deploy, then see it in Plugins and its output in Dashboards', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.getByLabel('Plugin name').fill('tutorial');
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await page.getByLabel('ticker_interval (s)').fill('1');
  await page.getByRole('button', { name: 'Run Matcher' }).click();
  await expect(page.getByTestId('matcher-summary')).toContainText(/[\d,]+ of [\d,]+ recent messages matched/, { timeout: 30_000 });

  const deploy = page.getByRole('button', { name: 'Deploy Plugin' });
  await expect(deploy).toBeDisabled();
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByTestId('test-report')).toContainText('Test passed', { timeout: 30_000 });
  await expect(deploy).toBeEnabled();
  await deploy.click();
  await expect(page.getByRole('dialog')).toContainText('alice_smith.tutorial is live', { timeout: 30_000 });
  await page.getByRole('button', { name: 'OK' }).click();

  await page.getByRole('link', { name: 'Plugins' }).click();
  await expect(page.locator('tr[data-plugin="alice_smith.tutorial"]')).toContainText('running');
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await expect(page).toHaveURL(/\/dashboards$/);
  // The list is pushed over socket.io: the output shows up without a reload.
  const output = page.getByRole('link', { name: /analysis\.alice_smith\.tutorial\.doctype_counts\.tsv/ });
  await expect(output).toBeVisible({ timeout: 30_000 });
  await output.click();
  await expect(page.getByTestId('output-content')).toContainText('docType\tcount');
  await screenshot(page, '05b-dashboard-output-live');
});

test('API tokens are shown once, listed by prefix and revocable', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByText('No tokens yet')).toBeVisible();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Name the token (what will use it?)')).toBeVisible();
  await page.getByLabel('New token name').fill('collector on web-01');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByTestId('new-token').textContent();
  expect(token).toMatch(/^fst_/);
  await expect(page.getByRole('table', { name: 'API tokens' })).toContainText('collector on web-01');
  await screenshot(page, '06-settings-token-created');
  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await expect(page.getByText(token!)).toHaveCount(0);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('table', { name: 'API tokens' })).toContainText('revoked');
});

test('an admin sees the engine at work in Settings; anyone else neither sees nor reads it', async ({ page, browser }) => {
  await signIn(page, 'admin@example.com');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Engine' })).toBeVisible();
  const workers = page.getByRole('table', { name: 'Analysis workers' });
  await expect(workers.getByRole('row')).not.toHaveCount(1); // a header and at least one worker
  await expect(workers).toContainText('#1');
  // The sample stream runs: after two readings the ingest rate and the workers' shares are known.
  await expect(page.getByLabel('Stream')).toContainText(/Ingest rate\s*[1-9][\d,]* msg\/s/, { timeout: 15_000 });
  await expect(workers.getByRole('row').nth(1)).toContainText(/\d+%|<1%/);
  await screenshot(page, '06b-settings-engine');

  const other = await browser.newContext();
  const bob = await other.newPage();
  await signIn(bob, 'bob@example.com');
  await bob.getByRole('link', { name: 'Settings' }).click();
  await expect(bob.getByRole('heading', { name: 'API tokens' })).toBeVisible();
  await expect(bob.getByRole('heading', { name: 'Engine' })).toHaveCount(0);
  const refused = await bob.request.get('/api/engine');
  expect(refused.status()).toBe(403);
  await other.close();
});

test('Plugins tab: context menu by mouse and keyboard, View Source, and a second user refused', async ({ page, browser }) => {
  await signIn(page, 'alice.smith@example.com');
  await deployThroughApi(page, {
    name: 'example',
    matcher: "Type == 'telemetry'",
    source: 'let n = 0;\nfunction process_message() { n += 1; return 0; }\nfunction timer_event() {}\n',
  });
  await deployThroughApi(page, {
    name: 'example',
    matcher: "Type == 'telemetry'",
    source: 'let n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() { inject_payload("txt", "count", n); }\n',
  });
  // Passes Test Plugin on the recent stream, then meets a message sent over HTTP ingest and dies on line 3.
  await deployThroughApi(page, {
    name: 'broken',
    matcher: 'TRUE',
    source: 'function process_message() {\n  if (read_message("Type") === "e2e.poison") {\n    throw new Error("boom");\n  }\n  return 0;\n}\nfunction timer_event() {}\n',
  });
  const created = await page.request.post('/api/tokens', { data: { name: 'e2e poison sender' } });
  expect(created.status()).toBe(201);
  const { token } = await created.json();
  const ingested = await page.request.post('/api/ingest', {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    data: JSON.stringify({ Type: 'e2e.poison', Logger: 'e2e', Payload: 'kills alice_smith.broken' }) + '\n',
  });
  expect(await ingested.json()).toMatchObject({ accepted: 1, rejected: 0 });
  await page.getByRole('link', { name: 'Plugins' }).click();
  const row = page.locator('tr[data-plugin="alice_smith.example"]');
  await expect(row).toContainText('alice_smith.example');
  await expect(row).toContainText('running');

  await row.click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Actions for alice_smith.example' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem')).toHaveText(['View Source', 'View Error', 'Stop', 'Restart', 'Edit', 'Delete']);
  await expect(menu.getByRole('menuitem', { name: 'View Error' })).toBeDisabled();
  await screenshot(page, '07-plugins-context-menu', { fullPage: false });
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  // Keyboard only: focus the row, Shift+F10, arrow to View Source... it is first, Enter.
  await row.focus();
  await page.keyboard.press('Shift+F10');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'View Source' })).toBeFocused();
  await page.keyboard.press('Enter');
  const source = page.getByTestId('plugin-source');
  await expect(source).toContainText('inject_payload("txt", "count", n)');
  await screenshot(page, '08-plugins-view-source');
  // The version history: the first deployed text is still there.
  await page.getByLabel('Version').selectOption('1');
  await expect(source).toContainText('n += 1');
  await expect(source).not.toContainText('inject_payload');
  await page.keyboard.press('Escape');

  const broken = page.locator('tr[data-plugin="alice_smith.broken"]');
  await expect(broken).toContainText('terminated', { timeout: 15_000 });
  await broken.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'View Error' }).click();
  await expect(page.getByTestId('plugin-error')).toContainText('Error: boom');
  await expect(page.getByRole('dialog')).toContainText('broken.js, line 3');
  await expect(page.locator('[data-testid="plugin-error-source"] [aria-current="true"]')).toContainText('throw new Error("boom");');
  await screenshot(page, '08b-plugins-view-error');
  await page.keyboard.press('Escape');

  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signIn(bob, 'bob@example.com');
  await expect(bob.getByTestId('current-user')).toHaveText('bob');
  await expect(bob.getByLabel('Message matcher')).toHaveValue("Type == 'telemetry'");
  await bob.getByRole('link', { name: 'Plugins' }).click();
  await bob.locator('tr[data-plugin="alice_smith.example"]').click({ button: 'right' });
  // Someone else's plugin: the owner's actions are disabled, saying why, rather than refused after the click.
  const stop = bob.getByRole('menuitem', { name: 'Stop' });
  await expect(stop).toBeDisabled();
  await expect(stop).toHaveAccessibleDescription('Only alice_smith (its owner) or an admin may do this');
  await expect(bob.getByRole('menuitem', { name: 'Copy to my plugins' })).toBeVisible();
  await screenshot(bob, '09-plugins-not-owned');
  await bobContext.close();
});

test('Edit opens a deployed plugin in the editor', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.goto('/plugins');
  await page.locator('tr[data-plugin="alice_smith.example"]').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  await expect(page).toHaveURL(/\/deploy\?edit=alice_smith.example$/);
  await expect(page.getByLabel('Message matcher')).toHaveValue("Type == 'telemetry'");
  await expect(page.locator('.view-lines')).toContainText('inject_payload');
  await expect(page.getByTestId('editing-plugin')).toHaveText('Opened alice_smith.example v2');
  await expect(page.getByTestId('draft-status')).toHaveText('Draft saved');
});

test('unknown pages say so', async ({ page }) => {
  await signIn(page, 'alice.smith@example.com');
  await page.goto('/dashboards/analysis.nobody.x.y.txt');
  await expect(page.getByText('Nothing here')).toBeVisible();
  await screenshot(page, '10-not-found');
});
