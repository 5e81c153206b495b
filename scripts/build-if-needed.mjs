/**
 * `npm start` builds only what is missing or older than the sources it was
 * made from: the Prisma clients, the Next.js build and the server bundle
 * (scripts/bundles.mjs). A fresh clone starts with one command and a restart
 * rebuilds nothing.
 *
 * Plain JavaScript, so that checking costs no TypeScript compiler start.
 *
 *   node scripts/build-if-needed.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError, buildBundle, bundleState } from './bundles.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['app', 'components', 'config', 'lib', 'engine', 'public', 'prisma', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];
const SKIP = new Set(['node_modules', 'generated', '.next']);

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (SKIP.has(entry)) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Generates the Prisma clients when a schema changed. */
export function generateDatabaseClients() {
  run(process.execPath, [path.join(root, 'scripts', 'db-generate.mjs')]);
}

/** Runs `next build` when a source is newer than the last build. */
export function buildNextIfNeeded() {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const changedAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  if (builtAt >= changedAt) {
    console.log('[foresight] build is up to date');
    return;
  }
  console.log(builtAt ? '[foresight] sources changed since the last build: building' : '[foresight] no build yet: building');
  // New dependencies (a Next upgrade) can leave Turbopack's build cache inconsistent: start clean.
  if (builtAt && newestMtime(path.join(root, 'package-lock.json')) > builtAt) rmSync(path.join(root, '.next'), { recursive: true, force: true });
  run(path.join(root, 'node_modules', '.bin', 'next'), ['build']);
}

/**
 * The server bundle's main file, built first when it is missing or stale;
 * throws BundleError (with esbuild's messages) when it cannot be built.
 */
export async function serverBundle() {
  const state = bundleState('server');
  if (state.main) return state.main;
  const t0 = Date.now();
  const main = await buildBundle('server');
  console.log(`[foresight] server bundle built (${state.stale}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return main;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generateDatabaseClients();
  buildNextIfNeeded();
  try {
    await serverBundle();
  } catch (err) {
    console.error(`[foresight] could not build the server bundle:\n${err instanceof BundleError ? err.message : err}`);
    process.exit(1);
  }
}
