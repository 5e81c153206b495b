#!/usr/bin/env node
// The `foresight` command: registers tsx so the TypeScript CLI runs straight
// from a clone after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./foresight-cli.ts');
process.exitCode = await main(process.argv.slice(2));
