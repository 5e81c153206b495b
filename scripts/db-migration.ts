/**
 * Writes a new migration for both databases from prisma/sqlite/schema.prisma.
 *
 *   npx tsx scripts/db-migration.ts <name>
 *
 * The native Prisma schema engine is not available offline, so this drives the
 * Wasm schema engine's `diff` between two datamodels: the one the latest
 * migration produced (kept beside its migration.sql) and the current schema.
 * prisma/postgres/schema.prisma is rewritten from the SQLite one so the two
 * never drift apart.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { startPgliteServer } from './pglite-server';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const sqliteSchemaPath = path.join(root, 'prisma/sqlite/schema.prisma');
const postgresSchemaPath = path.join(root, 'prisma/postgres/schema.prisma');

type Provider = 'sqlite' | 'postgres';

export function postgresSchemaFrom(sqliteSchema: string): string {
  return sqliteSchema
    .replace(
      /^\/\/ Foresight's data model for SQLite \(the default\)\. prisma\/postgres\/schema\.prisma$/m,
      "// Foresight's data model for PostgreSQL, generated from prisma/sqlite/schema.prisma",
    )
    .replace('output       = "../../lib/generated/sqlite"', 'output       = "../../lib/generated/postgres"')
    .replace('provider = "sqlite"', 'provider = "postgresql"');
}

async function latestMigrationSchema(migrationsDir: string): Promise<string | null> {
  const entries = await readdir(migrationsDir).catch(() => [] as string[]);
  const dirs = entries.filter((e) => /^\d{14}_/.test(e)).sort();
  const last = dirs.at(-1);
  if (!last) return null;
  return readFile(path.join(migrationsDir, last, 'schema.prisma'), 'utf8');
}

/** The package's entry imports the .wasm as an ES module, which Node 20 cannot; instantiate it by hand. */
let loaded: Promise<typeof bindings.SchemaEngine> | undefined;
function loadSchemaEngine(): Promise<typeof bindings.SchemaEngine> {
  loaded ??= instantiateSchemaEngine();
  return loaded;
}

async function instantiateSchemaEngine(): Promise<typeof bindings.SchemaEngine> {
  // The bindings report Rust panics through this global; without it a panic hides its message.
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message: string) {
      console.error(`schema engine panic: ${message}`);
    },
  };
  const bindingsPath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmPath = path.join(path.dirname(bindingsPath), 'schema_engine_bg.wasm');
  const wasmModule = await WebAssembly.compile(await readFile(wasmPath));
  const imports = { './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports };
  const instance = await WebAssembly.instantiate(wasmModule, imports);
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings.SchemaEngine;
}

async function diff(provider: Provider, from: string | null, to: string): Promise<string> {
  // The engine connects through a driver adapter even for datamodel-to-datamodel
  // diffs; PostgreSQL gets an in-process PGlite so no server is needed.
  const pglite = provider === 'postgres' ? await startPgliteServer() : null;
  const factory =
    provider === 'sqlite' ? new PrismaLibSql({ url: ':memory:' }) : new PrismaPg({ connectionString: pglite!.url });
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const SchemaEngine = await loadSchemaEngine();
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', to]] }, () => {}, adapter);
  try {
    const result = await engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: from }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: to }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  } finally {
    engine.free();
    await pglite?.stop();
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/\D/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npx tsx scripts/db-migration.ts <name>   (name: a-z, 0-9, _)');
    process.exit(2);
  }
  const sqliteSchema = await readFile(sqliteSchemaPath, 'utf8');
  const schemas: Record<Provider, string> = { sqlite: sqliteSchema, postgres: postgresSchemaFrom(sqliteSchema) };
  await writeFile(postgresSchemaPath, schemas.postgres);

  const stamp = timestamp();
  for (const provider of ['sqlite', 'postgres'] as const) {
    const migrationsDir = path.join(root, 'prisma', provider, 'migrations');
    const previous = await latestMigrationSchema(migrationsDir);
    const sql = await diff(provider, previous, schemas[provider]);
    if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
      console.log(`${provider}: schema unchanged, no migration written`);
      continue;
    }
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), sql);
    await writeFile(path.join(dir, 'schema.prisma'), schemas[provider]);
    await writeFile(
      path.join(migrationsDir, 'migration_lock.toml'),
      `# Written by scripts/db-migration.ts\nprovider = "${provider === 'sqlite' ? 'sqlite' : 'postgresql'}"\n`,
    );
    console.log(`${provider}: wrote ${path.relative(root, dir)}/migration.sql`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
