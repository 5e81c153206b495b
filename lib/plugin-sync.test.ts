import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGIN_TEMPLATE } from '../engine/sandbox/template';
import { db } from './db';
import { syncPluginsWithEngine } from './plugin-sync';
import { RuntimePortalEngine } from './portal-engine';
import { setUpTestDatabase, signedInUser } from './testing/api-harness';

let database: Awaited<ReturnType<typeof setUpTestDatabase>>;
let engineDir: string;
let portal: RuntimePortalEngine;

beforeAll(async () => {
  database = await setUpTestDatabase();
  engineDir = await mkdtemp(path.join(os.tmpdir(), 'foresight-plugin-sync-'));
  portal = await RuntimePortalEngine.start({ dataDir: engineDir, sampleRate: 0, workers: 1 });
});
afterAll(async () => {
  await portal.close();
  await rm(engineDir, { recursive: true, force: true });
  await database.cleanUp();
});

async function storedPlugin(ownerId: string, name: string, fields: { source?: string; state?: string; config?: object } = {}) {
  return db().plugin.create({
    data: {
      ownerId,
      name,
      source: fields.source ?? PLUGIN_TEMPLATE,
      matcher: "Type == 'telemetry'",
      config: fields.config ?? { ticker_interval: 5, preserve_data: false },
      state: fields.state ?? 'running',
    },
  });
}

describe('syncPluginsWithEngine on a real database and engine', () => {
  it('redeploys what the database runs, marks what the engine refuses, stops orphans, and leaves agreement alone', async () => {
    const erin = await signedInUser('erin@example.com');
    await storedPlugin(erin.id, 'counts');
    await storedPlugin(erin.id, 'half_deployed', { state: 'deploying' });
    await storedPlugin(erin.id, 'paused', { state: 'stopped' });
    const broken = await storedPlugin(erin.id, 'broken', { source: 'function process_message( {' });
    const badConfig = await storedPlugin(erin.id, 'bad_config', { config: { ticker_interval: 'often' } });
    // Running in the engine, unknown to the database.
    await portal.deployPlugin({ owner: 'ghost', name: 'orphan', source: PLUGIN_TEMPLATE, matcher: 'TRUE', config: { ticker_interval: 0, preserve_data: false, user: {} } });

    const report = await syncPluginsWithEngine(portal);

    expect(report.redeployed.sort()).toEqual(['erin.counts', 'erin.half_deployed']);
    expect(report.failed.map((f) => f.id).sort()).toEqual(['erin.bad_config', 'erin.broken']);
    expect(report.stoppedOrphans).toEqual(['ghost.orphan']);

    const states = new Map(portal.pluginStats().map((s) => [s.id, s.state]));
    expect(states.get('erin.counts')).toBe('running');
    expect(states.get('erin.half_deployed')).toBe('running');
    expect(states.has('erin.paused')).toBe(false);
    expect(states.get('ghost.orphan')).toBe('stopped');

    const rows = new Map((await db().plugin.findMany()).map((p) => [p.name, p]));
    expect(rows.get('half_deployed')?.state).toBe('running');
    expect(rows.get('paused')?.state).toBe('stopped');
    const brokenRow = await db().plugin.findUniqueOrThrow({ where: { id: broken.id } });
    expect(brokenRow.state).toBe('terminated');
    expect(brokenRow.error).toMatch(/SyntaxError/);
    const badConfigRow = await db().plugin.findUniqueOrThrow({ where: { id: badConfig.id } });
    expect(badConfigRow.state).toBe('terminated');
    expect(badConfigRow.error).toMatch(/stored config is invalid/);

    // A second pass finds nothing to do.
    expect(await syncPluginsWithEngine(portal)).toEqual({ redeployed: [], failed: [], stoppedOrphans: [] });
  });
});
