/**
 * `npm start` builds only when the last build is missing or older than the
 * sources it was made from, so a fresh clone starts with one command and a
 * restart does not rebuild.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const SOURCES = ['app', 'components', 'config', 'lib', 'engine', 'public', 'prisma', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];
const SKIP = new Set(['node_modules', 'generated', '.next']);

function newestMtime(target: string): number {
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

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'db-generate.ts')]);

const buildId = path.join(root, '.next', 'BUILD_ID');
const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
const changedAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
if (builtAt >= changedAt) {
  console.log('[foresight] build is up to date');
} else {
  console.log(builtAt ? '[foresight] sources changed since the last build: building' : '[foresight] no build yet: building');
  // New dependencies (a Next upgrade) can leave Turbopack's build cache inconsistent: start clean.
  if (builtAt && newestMtime(path.join(root, 'package-lock.json')) > builtAt) rmSync(path.join(root, '.next'), { recursive: true, force: true });
  run(path.join(root, 'node_modules', '.bin', 'next'), ['build']);
}
