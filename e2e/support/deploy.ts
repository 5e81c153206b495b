/**
 * Deploys a plugin as the signed-in person's browser would (Test Plugin, then
 * Deploy Plugin with the proof the test handed back), for tests whose subject
 * is not the editor itself.
 */
import { expect, type Page } from '@playwright/test';

export interface PluginDefinition {
  name: string;
  matcher: string;
  source: string;
  tickerInterval?: number;
}

export async function deployThroughApi(page: Page, plugin: PluginDefinition): Promise<void> {
  const definition = {
    name: plugin.name,
    matcher: plugin.matcher,
    source: plugin.source,
    config: { ticker_interval: plugin.tickerInterval ?? 60, preserve_data: false, user: {} },
  };
  const tested = await page.request.post('/api/plugins/test', { data: definition });
  expect(tested.ok(), await tested.text()).toBe(true);
  const { passed, deployProof } = await tested.json();
  expect(passed, `Test Plugin did not pass for ${plugin.name}`).toBe(true);
  const deployed = await page.request.post('/api/plugins', { data: { ...definition, deployProof } });
  expect(deployed.ok(), await deployed.text()).toBe(true);
}
