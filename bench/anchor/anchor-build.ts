/**
 * Builds the anchors the bench measures Foresight against, once, into a
 * cache outside the repository (never committed): lua_sandbox and
 * Hindsight's `hindsight_cli` from the source tarballs in ../shared/anchors
 * (the build its README gives), and the `rusage` launcher (rusage.c) that
 * measures every process of the anchor suite the same way.
 *
 * Each build lives in <cache>/<tarball name>/ and is reused while its
 * `built.json` is there; delete the folder to rebuild. When cmake or a C
 * compiler is missing, anchorBuild says so and the suite skips.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const LUA_SANDBOX = 'lua_sandbox-78103a8';
const HINDSIGHT = 'hindsight-6854b13';

export interface AnchorBuild {
  /** lua_sandbox's install prefix: run Hindsight with LD_LIBRARY_PATH=<prefix>/lib. */
  prefix: string;
  hindsightCli: string;
  /** The launcher that prints a command's rusage as JSON (rusage.c). */
  rusage: string;
  /** The folder everything is cached in. */
  cache: string;
}

export type AnchorBuildResult = { ok: true; build: AnchorBuild } | { ok: false; skip: string };

/** Where the tarballs are: $FORESIGHT_ANCHORS_DIR, else ../shared/anchors beside the clone. */
export function anchorsDir(): string {
  return process.env.FORESIGHT_ANCHORS_DIR ?? resolve(ROOT, '../shared/anchors');
}

/** Where builds and data are cached: $FORESIGHT_ANCHOR_CACHE, else ~/.cache/foresight-anchors. */
export function anchorCache(): string {
  return process.env.FORESIGHT_ANCHOR_CACHE ?? join(homedir(), '.cache', 'foresight-anchors');
}

/** The built anchors, building what is missing; `skip` says why they cannot be built here. */
export function anchorBuild(): AnchorBuildResult {
  const tarballs = anchorsDir();
  const tarball = (name: string) => join(tarballs, `${name}.tar.gz`);
  for (const name of [LUA_SANDBOX, HINDSIGHT]) {
    if (!existsSync(tarball(name))) return { ok: false, skip: `${tarball(name)} is missing (set FORESIGHT_ANCHORS_DIR to the folder holding it)` };
  }
  const cc = ['cc', 'gcc', 'clang'].find(works);
  if (!works('cmake')) return { ok: false, skip: 'cmake is not installed (on Debian: apt-get install -y cmake)' };
  if (!cc) return { ok: false, skip: 'no C compiler (cc, gcc or clang) is installed (on Debian: apt-get install -y gcc make)' };
  if (!works('make')) return { ok: false, skip: 'make is not installed (on Debian: apt-get install -y make)' };

  const cache = anchorCache();
  mkdirSync(cache, { recursive: true });
  const rusage = buildRusage(cache, cc);

  const lua = join(cache, LUA_SANDBOX);
  const prefix = join(lua, 'prefix');
  once(lua, () => {
    const src = unpack(tarball(LUA_SANDBOX), lua);
    const release = join(src, 'release');
    mkdirSync(release, { recursive: true });
    step(lua, 'cmake', ['-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_INSTALL_PREFIX=${prefix}`, '..'], release);
    step(lua, 'make', ['-j2'], release);
    step(lua, 'make', ['install'], release);
  });

  const hs = join(cache, HINDSIGHT);
  const hindsightCli = join(hs, 'hindsight_cli');
  once(hs, () => {
    const src = unpack(tarball(HINDSIGHT), hs);
    const release = join(src, 'release');
    mkdirSync(release, { recursive: true });
    const args = ['-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_PREFIX_PATH=${prefix}`, `-DCMAKE_INSTALL_PREFIX=${prefix}`];
    // Hindsight's README: without OpenSSL's headers, build without it.
    if (!step(hs, 'cmake', [...args, '..'], release, { mayFail: true })) step(hs, 'cmake', [...args, '-DWITHOUT_OPENSSL=true', '..'], release);
    step(hs, 'make', ['-j2', 'hindsight_cli'], release, { env: { CPATH: join(prefix, 'include') } });
    step(hs, 'cp', [join(release, 'src', 'hindsight_cli'), hindsightCli], release);
  });
  return { ok: true, build: { prefix, hindsightCli, rusage, cache } };
}

/** Runs `build` unless `dir/built.json` says it already succeeded; a failed build leaves nothing behind to reuse. */
function once(dir: string, build: () => void): void {
  const marker = join(dir, 'built.json');
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  process.stdout.write(`building ${basename(dir)} into ${dir} (once; cached) ... `);
  build();
  console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(marker, JSON.stringify({ builtAt: new Date().toISOString() }) + '\n');
}

/** Unpacks a tarball into `dir`; the folder it made. */
function unpack(tarball: string, dir: string): string {
  step(dir, 'tar', ['xzf', tarball, '-C', dir], dir);
  const made = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  if (made.length !== 1) throw new Error(`${tarball} unpacked into ${made.length} folders; expected one`);
  return join(dir, made[0].name);
}

/** One build step, its output appended to <dir>/build.log; throws with the log's tail when it fails (unless mayFail). */
function step(dir: string, cmd: string, args: string[], cwd: string, opts: { mayFail?: boolean; env?: Record<string, string> } = {}): boolean {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = join(dir, 'build.log');
  const text = `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}\n`;
  writeFileSync(log, (existsSync(log) ? readFileSync(log, 'utf8') : '') + text);
  if (r.status === 0) return true;
  if (opts.mayFail) return false;
  throw new Error(`building ${basename(dir)}: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}); the end of ${log}:\n${text.slice(-3000)}`);
}

/** The rusage launcher, compiled from rusage.c into the cache (named by the source's hash, so edits rebuild it). */
function buildRusage(cache: string, cc: string): string {
  const source = join(import.meta.dirname, 'rusage.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const bin = join(cache, `rusage-${hash}`);
  if (existsSync(bin)) return bin;
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', bin, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`compiling ${source} with ${cc} failed:\n${r.stderr}${r.error ?? ''}`);
  return bin;
}

/** Whether `cmd --version` runs. */
function works(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}
