// Entry point of engine worker threads started from TypeScript source (see
// worker-script.ts): runs the module named by workerData.entry (a file: URL).
// A `.ts` entry is loaded through tsx, so it works the same under `tsx`, plain
// `node` and vitest. In a bundle (scripts/bundles.mjs copies this file there)
// a `.ts` entry that is not there means its bundled `.mjs` sibling, which
// needs no tsx.
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

let entry = new URL(workerData.entry);
if (entry.pathname.endsWith('.ts') && !existsSync(entry)) {
  const bundled = new URL(entry.href.replace(/\.ts(?=$|[?#])/, '.mjs'));
  if (existsSync(bundled)) entry = bundled;
}
if (entry.pathname.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry.href);
