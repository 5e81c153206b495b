import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests in the system Chromium against `npm start` on a test port
 * with a fresh data directory. The config is evaluated again in each worker;
 * the environment carries the first evaluation's choices to them.
 */
const port = Number(process.env.FORESIGHT_E2E_PORT ?? 3100);
process.env.FORESIGHT_E2E_PORT = String(port);
process.env.FORESIGHT_E2E_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'foresight-e2e-'));
const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // One server and database for all files, which run in name order (1-..., 2-...):
  // the first file sees the empty portal.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL,
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1440, height: 900 } } }],
  webServer: {
    command: 'npm start',
    url: `${baseURL}/login`,
    // The first run builds the app (a few minutes on two cores).
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      FORESIGHT_DATA_DIR: process.env.FORESIGHT_E2E_DATA_DIR,
      FORESIGHT_ADMIN_EMAILS: 'admin@example.com',
      NEXT_TELEMETRY_DISABLED: '1',
      AUTH_GOOGLE_ID: '',
      AUTH_GOOGLE_SECRET: '',
      DATABASE_URL: '',
    },
  },
});
