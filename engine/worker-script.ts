/**
 * How the engine starts its worker threads, bundled or not.
 *
 * A worker's entry module is a file named `*-worker.ts` under engine/ (not in
 * a testing/, test-fixtures/ or fixtures/ folder, whose workers only tests
 * start, from source). The bundler (scripts/bundles.mjs) builds every such
 * file into its own `*-worker.mjs` beside the bundle's other files, so adding
 * a worker needs no build change: name its entry `something-worker.ts` and
 * start it with startWorker(new URL('./something-worker.ts', import.meta.url)).
 *
 * - Bundled (`foresight`, `npm start`): the worker runs its bundled file
 *   directly, plain JavaScript with nothing compiled at start.
 * - From source (vitest, tsx, `npm run dev`): the worker runs
 *   worker-loader.mjs, which registers tsx and imports the `.ts` entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Set to true by the bundler (esbuild `define`); not defined when running from source. */
declare const FORESIGHT_BUNDLE: boolean | undefined;

/** True in a bundle built by scripts/bundles.mjs. */
export const BUNDLED = typeof FORESIGHT_BUNDLE !== 'undefined' && FORESIGHT_BUNDLE === true;

/**
 * The loader that runs a TypeScript entry (workerData.entry) through tsx. In
 * a bundle this file sits in the bundle's folder, where it maps a `.ts` entry
 * to its bundled `.mjs`, so code that still starts workers through it works
 * bundled too; new code should call startWorker().
 */
export const WORKER_LOADER = new URL('./worker-loader.mjs', import.meta.url);

const WORKER_ENTRY = /(?:^|\/)([A-Za-z0-9_.-]+-worker)\.ts$/;

/**
 * The file `new Worker` runs for the worker whose entry module is `entry` (a
 * `file:` URL of its `*-worker.ts` source), and the `entry` to put in its
 * workerData: the bundled `.mjs` when bundled, else the tsx loader.
 */
export function workerScript(entry: URL): { file: URL; entry: string } {
  if (!BUNDLED) return { file: WORKER_LOADER, entry: entry.href };
  const name = WORKER_ENTRY.exec(entry.pathname)?.[1];
  if (!name) {
    throw new Error(`${entry.pathname} cannot run as a bundled worker: a worker's entry file must be named *-worker.ts (scripts/bundles.mjs builds those)`);
  }
  const file = new URL(`./${name}.mjs`, import.meta.url);
  return { file, entry: file.href };
}

/**
 * A worker thread running the module `entry` (see workerScript); `options`
 * as for `new Worker`. workerData, when given, must be an object: `entry` is
 * added to it.
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const { file, entry: href } = workerScript(entry);
  const data = options.workerData as Record<string, unknown> | undefined;
  if (data !== undefined && (typeof data !== 'object' || data === null)) {
    throw new TypeError('startWorker: workerData must be an object (its `entry` says which module the worker runs)');
  }
  return new Worker(file, { ...options, workerData: { ...data, entry: href } });
}
