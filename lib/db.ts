/**
 * The database client: one PrismaClient per process, shared through
 * globalThis so the custom server and the bundled route handlers (two copies
 * of this module) use the same connection. SQLite through libsql by default,
 * PostgreSQL when DATABASE_URL says so; both generated clients have the same
 * models, so callers see one type.
 */
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { readServerConfig } from './env';

export type Db = SqliteClient;
export type { ApiToken, Draft, Plugin, PluginOutput, PluginVersion, User } from './generated/sqlite/client';
export { Prisma } from './generated/sqlite/client';

const globalForDb = globalThis as unknown as { foresightDb?: { url: string; client: Db } };

export function createDb(url: string): Db {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // Same models, different provider: the PostgreSQL client answers the same calls.
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  return new SqliteClient({ adapter: new PrismaLibSql({ url }) });
}

/** The process-wide client for the configured DATABASE_URL. */
export function db(): Db {
  const url = readServerConfig().databaseUrl;
  const current = globalForDb.foresightDb;
  if (current && current.url === url) return current.client;
  const client = createDb(url);
  globalForDb.foresightDb = { url, client };
  return client;
}

