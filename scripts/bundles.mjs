/**
 * The prebuilt JavaScript bundles that `foresight` and `npm start` run, so
 * neither compiles TypeScript when it starts: what each bundle holds, whether
 * the one on disk is still current, and building one with esbuild.
 *
 * - `cli`: bin/foresight-cli.ts and the packages it uses, in one file (one
 *   module to load), built by `npm install` (postinstall).
 * - `server`: server.ts with the engine and lib/ (Next.js and the other
 *   packages stay in node_modules, where they find their own files), built by
 *   `npm start` when stale; it needs the generated Prisma clients, so it is
 *   not built at install.
 *
 * Each bundle also holds every engine worker (each `*-worker.ts` under
 * engine/, see engine/worker-script.ts) as a file of its own beside it,
 * with the packages it uses bundled in (only QuickJS's), so that a worker
 * thread loads one file.
 *
 * On disk: .foresight-build/<kind>.json names the current build folder
 * (.foresight-build/<kind>-<id>/) and lists the source files it was built
 * from. A bundle is current while none of them changed since its build
 * began. Folders are never rewritten, only replaced, so a process running
 * from an older build keeps its files (the previous one is kept, older ones
 * are removed).
 *
 * Plain JavaScript (no TypeScript) because it runs where nothing compiles
 * TypeScript: at install and in bin/foresight.js.
 *
 *   node scripts/bundles.mjs [--if-stale] [--install] cli|server...
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Where bundles are built. FORESIGHT_BUILD_DIR moves it (tests use their own);
 * it must stay inside the clone, so bundles find node_modules.
 */
export const BUILD_DIR = path.resolve(ROOT, process.env.FORESIGHT_BUILD_DIR || '.foresight-build');

/**
 * Each bundle: its entry module, the name of its built file, and whether the
 * packages it imports are bundled in or loaded from node_modules.
 */
export const BUNDLES = {
  cli: { entry: 'bin/foresight-cli.ts', main: 'foresight-cli.mjs', packages: 'bundle' },
  server: { entry: 'server.ts', main: 'server.mjs', packages: 'external' },
};

/**
 * Files a bundle depends on beyond the sources esbuild reads: the build
 * itself, and the lock file, which changes when the packages do (the CLI
 * bundle holds copies of them).
 */
const BUILD_INPUTS = ['scripts/bundles.mjs', 'engine/worker-loader.mjs', 'tsconfig.json', 'package-lock.json'];
/** Build folders other than the current and previous one are removed once this old (a build in progress is younger). */
const PRUNE_AFTER_MS = 10 * 60 * 1000;

/** A bundle that cannot be built, with what went wrong. */
export class BundleError extends Error {}

function kindOf(kind) {
  const bundle = BUNDLES[kind];
  if (!bundle) throw new BundleError(`unknown bundle "${kind}" (known: ${Object.keys(BUNDLES).join(', ')})`);
  return bundle;
}

function readManifest(kind) {
  try {
    return JSON.parse(readFileSync(path.join(BUILD_DIR, `${kind}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The bundle's main file if the bundle is current, else why not:
 * `{ main }` or `{ stale: 'reason' }`. Costs a stat per source file.
 */
export function bundleState(kind) {
  const bundle = kindOf(kind);
  const manifest = readManifest(kind);
  if (!manifest || typeof manifest.dir !== 'string' || !Array.isArray(manifest.inputs)) return { stale: 'no bundle yet' };
  const main = path.join(BUILD_DIR, manifest.dir, bundle.main);
  if (!existsSync(main)) return { stale: 'no bundle yet' };
  for (const input of manifest.inputs) {
    let mtime;
    try {
      mtime = statSync(path.join(ROOT, input)).mtimeMs;
    } catch {
      return { stale: `${input} is gone` };
    }
    if (mtime > manifest.startedAt) return { stale: `${input} changed` };
  }
  return { main };
}

/** Folders whose workers only tests start (those run from source). */
const TEST_FOLDERS = new Set(['testing', 'test-fixtures', 'fixtures', 'node_modules']);

/** Every engine worker entry: `*-worker.ts` under engine/, test folders and test files left out. */
export function workerEntryPoints() {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!TEST_FOLDERS.has(e.name)) walk(rel);
      } else if (/-worker\.ts$/.test(e.name) && !e.name.endsWith('.test.ts')) {
        found.push(rel);
      }
    }
  };
  walk('engine');
  const byName = new Map();
  for (const f of found) {
    const name = path.basename(f, '.ts');
    if (byName.has(name)) throw new BundleError(`two workers are named ${name}: ${byName.get(name)} and ${f} (a bundle holds one file per name)`);
    byName.set(name, f);
  }
  return found.sort();
}

/**
 * Builds the bundle into a new folder and makes it current; resolves to its
 * main file. Throws BundleError with esbuild's messages when it fails.
 */
export async function buildBundle(kind) {
  const bundle = kindOf(kind);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new BundleError(`esbuild cannot be loaded (${err instanceof Error ? err.message : err}); run npm install`);
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const startedAt = Date.now();
  const dir = `${kind}-${startedAt.toString(36)}-${process.pid}`;
  const outdir = path.join(BUILD_DIR, dir);
  const builds = [
    { entryPoints: [bundle.entry], packages: bundle.packages },
    { entryPoints: workerEntryPoints(), packages: 'bundle' },
  ];
  const inputs = new Set(BUILD_INPUTS);
  try {
    for (const { entryPoints, packages } of builds) {
      const result = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints,
        outdir,
        bundle: true,
        // No shared chunks: a process loads one file (the entry or a worker),
        // and the lazily imported parts of it are inlined, evaluated on first use.
        splitting: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages,
        // For a bundled CommonJS package that requires something at run time.
        banner: { js: "import { createRequire as __foresightRequire } from 'node:module'; const require = __foresightRequire(import.meta.url);" },
        entryNames: '[name]',
        outExtension: { '.js': '.mjs' },
        // Names as in the source (esbuild renames clashes): error names and stack traces read the same.
        keepNames: true,
        define: { FORESIGHT_BUNDLE: 'true' },
        tsconfig: path.join(ROOT, 'tsconfig.json'),
        metafile: true,
        logLevel: 'silent',
      });
      for (const f of Object.keys(result.metafile.inputs)) if (!f.includes('node_modules/')) inputs.add(f);
    }
  } catch (err) {
    rmSync(outdir, { recursive: true, force: true });
    const messages = (err.errors ?? []).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    throw new BundleError(messages.length ? messages.slice(0, 10).join('\n') : String(err instanceof Error ? err.message : err));
  }
  // The loader beside the bundle, for code that starts a worker through engine/worker-script.ts's WORKER_LOADER.
  copyFileSync(path.join(ROOT, 'engine', 'worker-loader.mjs'), path.join(outdir, 'worker-loader.mjs'));
  const previous = readManifest(kind);
  const manifestFile = path.join(BUILD_DIR, `${kind}.json`);
  const temp = `${manifestFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ dir, startedAt, builtAt: Date.now(), inputs: [...inputs].sort() }, null, 1) + '\n');
  renameSync(temp, manifestFile);
  prune(kind, new Set([dir, previous?.dir]));
  return path.join(outdir, bundle.main);
}

function prune(kind, keep) {
  const now = Date.now();
  for (const name of readdirSync(BUILD_DIR)) {
    if (!name.startsWith(`${kind}-`) || keep.has(name)) continue;
    const full = path.join(BUILD_DIR, name);
    try {
      if (now - statSync(full).mtimeMs > PRUNE_AFTER_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed by another build meanwhile.
    }
  }
}

/** The bundle's main file, built first when it is missing or stale. */
export async function currentBundle(kind) {
  const state = bundleState(kind);
  return state.main ?? (await buildBundle(kind));
}

// ---------------------------------------------------------------- command line

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const atInstall = args.includes('--install');
  const kinds = args.filter((a) => !a.startsWith('--'));
  let failed = false;
  for (const kind of kinds.length ? kinds : ['cli']) {
    try {
      const state = ifStale ? bundleState(kind) : {};
      if (state.main) continue;
      const t0 = Date.now();
      await buildBundle(kind);
      console.log(`[foresight] ${kind} bundle built in ${((Date.now() - t0) / 1000).toFixed(1)} s (.foresight-build/)`);
    } catch (err) {
      failed = true;
      const why = err instanceof Error ? err.message : String(err);
      if (atInstall) {
        console.warn(
          `[foresight] warning: could not build the ${kind} bundle, so \`foresight\` will compile TypeScript at every start ` +
            `(slower, same output) until \`npm run bundle\` succeeds:\n${why}`,
        );
      } else {
        console.error(`[foresight] could not build the ${kind} bundle:\n${why}`);
      }
    }
  }
  // At install a failed bundle is a warning: the sources still run through tsx.
  process.exitCode = failed && !atInstall ? 1 : 0;
}
