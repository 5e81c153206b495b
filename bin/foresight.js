#!/usr/bin/env node
// The `foresight` command. It runs the CLI's prebuilt bundle
// (.foresight-build/, built by `npm install`), so nothing compiles TypeScript
// when it starts. When a source file changed since that build, it rebuilds the
// bundle first (once: the next start uses it); if the bundle cannot be built it
// says so in one line on stderr and runs the TypeScript source through tsx.
import { pathToFileURL } from 'node:url';
import { bundleState } from '../scripts/bundles.mjs';

async function loadCli() {
  const state = bundleState('cli');
  if (state.main) return import(pathToFileURL(state.main).href);
  let why;
  try {
    const { buildBundle } = await import('../scripts/bundles.mjs');
    return await import(pathToFileURL(await buildBundle('cli')).href);
  } catch (err) {
    why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
  process.stderr.write(`foresight: note: running from TypeScript source (slower start): the bundle could not be rebuilt (${state.stale}): ${why}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  return import('./foresight-cli.ts');
}

const { main } = await loadCli();
process.exitCode = await main(process.argv.slice(2));
