/**
 * Kept for callers that run this file through tsx (the push benchmark): does
 * what `node scripts/build-if-needed.mjs` does (Prisma clients, Next.js build,
 * server bundle, each only when stale), with its exit status.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const result = spawnSync(process.execPath, [path.join(import.meta.dirname, 'build-if-needed.mjs')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
