import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../scripts/pglite-server';
import { applyMigrations, migrationsDirFor, MigrationError } from './migrate';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'foresight-migrate-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeMigration(dir: string, name: string, sql: string) {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

describe('applyMigrations on SQLite', () => {
  it('applies the committed migrations once and records them in _prisma_migrations', async () => {
    const url = `file:${path.join(tmp, 'a', 'foresight.db')}`;
    const first = await applyMigrations(url, migrationsDirFor('sqlite'));
    expect(first.applied.length).toBeGreaterThan(0);
    const again = await applyMigrations(url, migrationsDirFor('sqlite'));
    expect(again).toEqual({ applied: [], edited: [] });

    const client = createClient({ url });
    const tables = await client.execute(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
    const names = tables.rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['User', 'Plugin', 'PluginVersion', 'Draft', 'ApiToken', '_prisma_migrations']));
    const rows = await client.execute(`SELECT migration_name, applied_steps_count, finished_at FROM _prisma_migrations`);
    expect(rows.rows).toHaveLength(first.applied.length);
    expect(rows.rows[0].applied_steps_count).toBe(1);
    expect(rows.rows[0].finished_at).not.toBeNull();
    client.close();
  });

  it('rolls back a failing migration, records the failure and refuses to continue', async () => {
    const dir = path.join(tmp, 'bad-migrations');
    await writeMigration(dir, '20000101000000_ok', 'CREATE TABLE "A" ("id" INTEGER PRIMARY KEY);');
    await writeMigration(dir, '20000102000000_bad', 'CREATE TABLE "B" ("id" INTEGER PRIMARY KEY);\nINSERT INTO "Missing" VALUES (1);');
    const url = `file:${path.join(tmp, 'bad.db')}`;
    await expect(applyMigrations(url, dir)).rejects.toThrow(/20000102000000_bad failed: .*Missing/);

    const client = createClient({ url });
    const tables = (await client.execute(`SELECT name FROM sqlite_master WHERE type = 'table'`)).rows.map((r) => r.name);
    expect(tables).toContain('A');
    expect(tables).not.toContain('B');
    client.close();

    const retry = applyMigrations(url, dir);
    await expect(retry).rejects.toBeInstanceOf(MigrationError);
    await expect(applyMigrations(url, dir)).rejects.toThrow(/failed earlier/);
  });

  it('reports an applied migration whose file was edited afterwards', async () => {
    const dir = path.join(tmp, 'edited');
    await writeMigration(dir, '20000101000000_one', 'CREATE TABLE "A" ("id" INTEGER PRIMARY KEY);');
    const url = `file:${path.join(tmp, 'edited.db')}`;
    await applyMigrations(url, dir);
    await writeMigration(dir, '20000101000000_one', 'CREATE TABLE "A" ("id" INTEGER PRIMARY KEY, "x" TEXT);');
    expect(await applyMigrations(url, dir)).toEqual({ applied: [], edited: ['20000101000000_one'] });
  });

  it('names a missing migrations folder', async () => {
    await expect(applyMigrations(`file:${path.join(tmp, 'x.db')}`, path.join(tmp, 'nowhere'))).rejects.toThrow(/No migrations folder/);
  });
});

describe('applyMigrations on PostgreSQL', () => {
  let server: PgliteServer;
  beforeAll(async () => {
    server = await startPgliteServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('applies the committed PostgreSQL migrations once', async () => {
    const first = await applyMigrations(server.url, migrationsDirFor('postgres'));
    expect(first.applied.length).toBeGreaterThan(0);
    expect(await applyMigrations(server.url, migrationsDirFor('postgres'))).toEqual({ applied: [], edited: [] });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['User', 'Plugin', 'ApiToken', '_prisma_migrations']));
    await client.end();
  });
});
