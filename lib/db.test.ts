import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../scripts/pglite-server';
import { createDb, type Db } from './db';
import { applyMigrations } from './migrate';

/** The same calls work on both databases: the portal never branches on the provider. */
async function exercise(client: Db, { checkUniqueViolation }: { checkUniqueViolation: boolean }) {
  const user = await client.user.create({ data: { email: 'a@example.com', namespace: 'a' } });
  const plugin = await client.plugin.create({
    data: { ownerId: user.id, name: 'example', source: 'x', matcher: 'TRUE', config: { ticker_interval: 5, preserve_data: true, user: { k: 'v' } }, state: 'running' },
  });
  await client.pluginVersion.create({ data: { pluginId: plugin.id, version: 1, source: 'x', matcher: 'TRUE', config: {} } });
  if (checkUniqueViolation) {
    await expect(client.plugin.create({ data: { ownerId: user.id, name: 'example', source: 'y', matcher: 'TRUE', config: {}, state: 'running' } })).rejects.toMatchObject({
      code: 'P2002',
    });
  }
  const found = await client.plugin.findFirstOrThrow({ where: { name: 'example', owner: { namespace: 'a' } }, include: { versions: true } });
  expect(found.config).toEqual({ ticker_interval: 5, preserve_data: true, user: { k: 'v' } });
  expect(found.versions).toHaveLength(1);
  await client.user.delete({ where: { id: user.id } });
  expect(await client.pluginVersion.count()).toBe(0);
}

describe('createDb', () => {
  let tmp: string;
  let pglite: PgliteServer;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'foresight-db-'));
    pglite = await startPgliteServer();
  }, 60_000);
  afterAll(async () => {
    await pglite?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('works on SQLite (the default)', async () => {
    const url = `file:${path.join(tmp, 'foresight.db')}`;
    await applyMigrations(url);
    const client = createDb(url);
    try {
      await exercise(client, { checkUniqueViolation: true });
    } finally {
      await client.$disconnect();
    }
  });

  // PGlite's socket server drops a connection after a query error (a real
  // PostgreSQL does not), so the unique-violation step runs on SQLite only.
  it('works on PostgreSQL when DATABASE_URL says so', async () => {
    await applyMigrations(pglite.url);
    const client = createDb(pglite.url);
    try {
      await exercise(client, { checkUniqueViolation: false });
    } finally {
      await client.$disconnect();
    }
  });
});
