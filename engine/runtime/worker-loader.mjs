// Entry point of an analysis worker thread. Registers tsx so the worker's
// TypeScript loads the same way under `tsx`, `node` and vitest, then runs it.
import { register } from 'tsx/esm/api';

register();
await import('./analysis-worker.ts');
