/**
 * The editor's result panels and the Deploy gate, with the engine's answers
 * stubbed at the network so every case (paging, a matcher error at a given
 * position, a termination on a given line) is shown deterministically. The
 * payloads are the portal's real types built from the sample stream; the live
 * engine path is covered in 1-sign-in-and-tabs.spec.ts.
 */
import { expect, test, type Page, type Route } from '@playwright/test';
import { sampleMessages } from '../engine/inputs/sample-messages';
import type { MatcherRun, PluginTestReport } from '../lib/engine';
import { toMessageView } from '../lib/message-view';
import { screenshot, signIn } from './support/sign-in';

test.describe.configure({ mode: 'serial' });

const views = sampleMessages(60, 11).map(toMessageView);

async function stubMatcher(page: Page) {
  await page.route('**/api/matcher', async (route: Route) => {
    const body = route.request().postDataJSON() as { matcher: string; offset: number; limit: number };
    const single = /(?<![=!<>])=(?![=~])/.exec(body.matcher);
    if (single) {
      const position = single.index;
      return route.fulfill({
        status: 422,
        json: { error: `Matcher error at ${position}: use == to compare`, matcherError: { message: 'use == to compare', position } },
      });
    }
    const run: MatcherRun = { scanned: 1000, matched: views.length, offset: body.offset, messages: views.slice(body.offset, body.offset + body.limit), elapsedMs: 4 };
    return route.fulfill({ json: run });
  });
}

function report(overrides: Partial<PluginTestReport>): PluginTestReport {
  return { passed: true, scanned: 1000, matched: 60, processed: 60, failures: [], outputs: [], debug: [], injected: [], elapsedMs: 12, ...overrides };
}

test('Run Matcher pages through matches shown as message trees, and a bad matcher shows its position', async ({ page }) => {
  await signIn(page, 'carol@example.com');
  await stubMatcher(page);
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await page.getByRole('button', { name: 'Run Matcher' }).click();
  await expect(page.getByTestId('matcher-summary')).toContainText('60 of 1,000 recent messages matched');
  await expect(page.getByTestId('matcher-summary')).toContainText('1–25');
  const first = page.getByRole('list', { name: 'Matched messages' }).getByRole('listitem').first();
  await expect(first).toContainText('Fields');
  await expect(first).toContainText(`Fields[${views[0].fields[0].name}]`);
  await screenshot(page, '11-deploy-matcher-results');

  await page.getByRole('button', { name: 'Next matches' }).click();
  await expect(page.getByTestId('matcher-summary')).toContainText('26–50');
  await expect(page.getByRole('list', { name: 'Matched messages' })).toContainText('#26');

  await page.getByLabel('Message matcher').fill("Type = 'telemetry'");
  await page.getByRole('button', { name: 'Run Matcher' }).click();
  const error = page.getByTestId('matcher-error');
  await expect(error).toContainText('Position 5: use == to compare');
  await expect(error.locator('pre')).toContainText("Type = 'telemetry'\n     ^");
  await screenshot(page, '12-deploy-matcher-error');
});

test('Test Plugin shows outputs and debug; Deploy is enabled by a pass and disabled by any edit', async ({ page }) => {
  await signIn(page, 'carol@example.com');
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await page.route('**/api/plugins/test', (route) =>
    route.fulfill({
      json: {
        ...report({
          outputs: [{ name: 'analysis.carol.example.types.txt', type: 'txt', content: 'docType = Count\nmain = 41\ncrash = 12\nunknown = 7\n' }],
          debug: ['started', 'timer_event shutdown=true'],
          injected: [views[3]],
          failures: [{ message: 'missing docType', count: 2 }],
        }),
        deployProof: 'proof-from-the-server',
      },
    }),
  );
  await page.route('**/api/plugins', (route) =>
    route.request().method() === 'POST' ? route.fulfill({ status: 201, json: { id: 'carol.example', version: 1, updated: false } }) : route.fallback(),
  );
  const deploy = page.getByRole('button', { name: 'Deploy Plugin' });
  await expect(deploy).toBeDisabled();
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByTestId('test-report')).toContainText('Test passed');
  await expect(page.getByTestId('test-report')).toContainText('main = 41');
  await expect(page.getByTestId('test-report')).toContainText('2× missing docType');
  await expect(deploy).toBeEnabled();
  await screenshot(page, '13-deploy-test-passed');

  await page.getByLabel('Message matcher').fill("Type == 'telemetry' && TRUE");
  await expect(deploy).toBeDisabled();
  await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
  await expect(deploy).toBeEnabled();

  await deploy.click();
  await expect(page.getByRole('dialog')).toContainText('carol.example is live');
  await screenshot(page, '14-deploy-live-dialog');
  await page.getByRole('button', { name: 'OK' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
});

test('a plugin that throws has its line marked in the editor', async ({ page }) => {
  await signIn(page, 'carol@example.com');
  await page.route('**/api/plugins/test', (route) =>
    route.fulfill({
      json: {
        ...report({
          passed: false,
          processed: 1,
          termination: { phase: 'process_message', line: 7, column: 3, message: "process_message() plugin.js:7: TypeError: cannot read property 'x' of undefined" },
        }),
        deployProof: null,
      },
    }),
  );
  await page.getByRole('button', { name: 'Test Plugin' }).click();
  await expect(page.getByTestId('test-report')).toContainText('The plugin was terminated');
  await expect(page.getByTestId('test-report')).toContainText("line 7: process_message() plugin.js:7: TypeError");
  await expect(page.locator('[data-failing-line="7"]')).toHaveCount(1);
  await expect(page.locator('.failing-line')).toHaveCount(1);
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
