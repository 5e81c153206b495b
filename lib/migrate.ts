/**
 * Applies the committed migrations (prisma/<sqlite|postgres>/migrations) at
 * start, offline, without the native Prisma schema engine. It keeps Prisma's
 * standard `_prisma_migrations` table (same columns, SHA-256 checksums), so
 * `prisma migrate deploy` and `migrate status` still understand the database.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@libsql/client';
import pg from 'pg';
import { databaseKindOf, type DatabaseKind } from './env';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  /** Applied migrations whose file changed since (Prisma warns about these too). */
  edited: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
}

/** The small surface both databases offer the runner. */
interface MigrationTarget {
  ensureTable(): Promise<void>;
  appliedRows(): Promise<AppliedRow[]>;
  /** Runs one migration's script and records it, in one transaction. */
  apply(migration: Migration): Promise<void>;
  recordFailure(migration: Migration, error: string): Promise<void>;
  close(): Promise<void>;
}

export function migrationsDirFor(kind: DatabaseKind, root = process.cwd()): string {
  return path.join(root, 'prisma', kind, 'migrations');
}

export async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new MigrationError(`No migrations folder at ${dir}`);
  });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8').catch(() => {
      throw new MigrationError(`Migration ${name} has no migration.sql`);
    });
    migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

const SELECT_APPLIED = `SELECT "migration_name", "checksum", "finished_at" FROM "_prisma_migrations"
  WHERE "rolled_back_at" IS NULL ORDER BY "started_at"`;

async function sqliteTarget(url: string): Promise<MigrationTarget> {
  const file = url.replace(/^file:/, '');
  if (file !== ':memory:') await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const client = createClient({ url });
  // WAL lets the portal read while the engine writes; it persists in the file.
  await client.execute('PRAGMA journal_mode = WAL');
  return {
    async ensureTable() {
      await client.execute(SQLITE_TABLE);
    },
    async appliedRows() {
      const result = await client.execute(SELECT_APPLIED);
      return result.rows as unknown as AppliedRow[];
    },
    async apply(migration) {
      const id = randomUUID();
      const started = new Date().toISOString();
      // executeMultiple runs the whole script; wrapping it keeps a failed script from half-applying.
      await client.executeMultiple(
        `BEGIN;\n${migration.sql}\n;INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") ` +
          `VALUES ('${id}', '${migration.checksum}', '${new Date().toISOString()}', '${migration.name.replace(/'/g, "''")}', '${started}', 1);\nCOMMIT;`,
      ).catch(async (err: unknown) => {
        await client.execute('ROLLBACK').catch(() => undefined);
        throw err;
      });
    },
    async recordFailure(migration, error) {
      await client.execute({
        sql: `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "applied_steps_count") VALUES (?, ?, ?, ?, ?, 0)`,
        args: [randomUUID(), migration.checksum, migration.name, error, new Date().toISOString()],
      });
    },
    async close() {
      client.close();
    },
  };
}

/** Same lock id as Prisma's own migrate, so the two never run at once. */
const POSTGRES_ADVISORY_LOCK = 72707369;

async function postgresTarget(url: string): Promise<MigrationTarget> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [POSTGRES_ADVISORY_LOCK]);
  return {
    async ensureTable() {
      await client.query(POSTGRES_TABLE);
    },
    async appliedRows() {
      return (await client.query(SELECT_APPLIED)).rows as AppliedRow[];
    },
    async apply(migration) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    async recordFailure(migration, error) {
      await client.query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "applied_steps_count") VALUES ($1, $2, $3, $4, now(), 0)`,
        [randomUUID(), migration.checksum, migration.name, error],
      );
    },
    async close() {
      await client.query('SELECT pg_advisory_unlock($1)', [POSTGRES_ADVISORY_LOCK]).catch(() => undefined);
      await client.end();
    },
  };
}

/**
 * Brings the database at `url` up to the migrations in `dir`. A migration that
 * failed before blocks the rest, as with Prisma: fix the database, then mark
 * it rolled back (`UPDATE _prisma_migrations SET rolled_back_at = now()`).
 */
export async function applyMigrations(url: string, dir = migrationsDirFor(databaseKindOf(url))): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  const target = databaseKindOf(url) === 'sqlite' ? await sqliteTarget(url) : await postgresTarget(url);
  try {
    await target.ensureTable();
    const rows = await target.appliedRows();
    const failed = rows.find((row) => row.finished_at === null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and blocks the others; fix the database and mark it rolled back in _prisma_migrations`,
      );
    }
    const appliedChecksums = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const result: MigrationResult = { applied: [], edited: [] };
    for (const migration of migrations) {
      const checksum = appliedChecksums.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) result.edited.push(migration.name);
        continue;
      }
      try {
        await target.apply(migration);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await target.recordFailure(migration, message).catch(() => undefined);
        throw new MigrationError(`Migration ${migration.name} failed: ${message}`);
      }
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await target.close();
  }
}
