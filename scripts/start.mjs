/**
 * `npm start`: builds what is stale (Prisma clients, the Next.js build, the
 * server bundle: see build-if-needed.mjs), then runs the server bundle in this
 * process, in production mode, with nothing compiled at start. If the bundle
 * cannot be built it says so in one line and runs server.ts through tsx.
 *
 *   node scripts/start.mjs              what `npm start` runs
 *   node scripts/start.mjs --no-build   only the server bundle (when stale), for
 *                                       tests that start servers of their own
 */
import { pathToFileURL } from 'node:url';
import { BundleError } from './bundles.mjs';
import { buildNextIfNeeded, generateDatabaseClients, serverBundle } from './build-if-needed.mjs';

if (!process.argv.includes('--no-build')) {
  generateDatabaseClients();
  buildNextIfNeeded();
}
process.env.NODE_ENV = 'production';

let main;
try {
  main = await serverBundle();
} catch (err) {
  const why = (err instanceof BundleError ? err.message : String(err)).split('\n')[0];
  console.log(`[foresight] note: running server.ts from TypeScript source (slower start): the server bundle could not be built: ${why}`);
}
if (main) {
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server.ts');
}
