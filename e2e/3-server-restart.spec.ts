/**
 * A server restart keeps deployed plugins running and their outputs: this
 * spec runs its own Foresight process (the production build the suite's
 * web server already made) on a port and data directory of its own, deploys
 * through the editor, stops the process with SIGTERM as a service manager
 * would, starts it again on the same data directory, and checks the plugin
 * runs on from its preserved state and its output is still there.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startServerProcess, stopServerProcess } from '../scripts/server-process';
import { signIn } from './support/sign-in';

const port = Number(process.env.FORESIGHT_E2E_PORT ?? 3100) + 7;
const baseURL = `http://localhost:${port}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'foresight-e2e-restart-'));

const startServer = () => startServerProcess({ port, dataDir });
const stopServer = stopServerProcess;

test.describe.configure({ mode: 'serial' });
test.use({ baseURL });

test('a server restart keeps the deployed plugin running and its output', async ({ page }) => {
  test.setTimeout(300_000);
  let server = await startServer();
  try {
    await signIn(page, 'frank@example.com');
    await page.getByLabel('Plugin name').fill('restart');
    await page.getByLabel('Message matcher').fill("Type == 'telemetry'");
    await page.getByLabel('ticker_interval (s)').fill('1');
    await page.getByLabel('preserve_data').check();
    await page.getByRole('button', { name: 'Test Plugin' }).click();
    await expect(page.getByTestId('test-report')).toContainText('Test passed', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Deploy Plugin' }).click();
    await expect(page.getByRole('dialog')).toContainText('frank.restart is live', { timeout: 30_000 });
    await page.getByRole('button', { name: 'OK' }).click();

    const output = /analysis\.frank\.restart\.doctype_counts\.tsv/;
    await page.goto('/dashboards');
    await expect(page.getByRole('link', { name: output })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('link', { name: output }).click();
    const content = page.getByTestId('output-content');
    await expect(content).toContainText(/main\t\d+/, { timeout: 15_000 });
    const mainCount = async () => Number((await content.innerText()).match(/main\t(\d+)/)![1]);
    const beforeRestart = await mainCount();

    await stopServer(server);
    server = await startServer();

    // Same session (sessions live in the database), same plugin, running again.
    await page.goto('/plugins');
    await expect(page.locator('tr[data-plugin="frank.restart"]')).toContainText('running', { timeout: 30_000 });
    await page.goto('/dashboards');
    await page.getByRole('link', { name: output }).click();
    // The output is there, and the plugin carries on from its preserved
    // counts: they only grow past what was shown before the restart.
    await expect(content).toContainText(/main\t\d+/, { timeout: 15_000 });
    expect(await mainCount()).toBeGreaterThanOrEqual(beforeRestart);
    await expect.poll(mainCount, { timeout: 30_000 }).toBeGreaterThan(beforeRestart);
    await expect(page.getByText('live', { exact: true })).toBeVisible();
  } finally {
    await stopServer(server);
  }
});
