/**
 * Generates the Prisma clients (lib/generated/sqlite and lib/generated/postgres)
 * when a schema is newer than its client. Offline: `prisma generate` only needs
 * *some* schema-engine executable to exist, so it is pointed at /bin/true
 * instead of downloading one.
 *
 * Plain JavaScript: `npm start` and `npm run typecheck` run it before
 * anything else, and it should not cost them a TypeScript compiler start.
 *
 *   node scripts/db-generate.mjs [--force]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

for (const kind of ['sqlite', 'postgres']) {
  const schema = path.join(root, 'prisma', kind, 'schema.prisma');
  const marker = path.join(root, 'lib', 'generated', kind, 'client.ts');
  if (!force && existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs) continue;
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate', '--schema', schema], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      PRISMA_GENERATE_SKIP_AUTOINSTALL: '1',
    },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
