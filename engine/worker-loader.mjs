// Entry point of every engine worker thread (analysis workers, Test Plugin runs, NDJSON parsing). Registers tsx so TypeScript
// loads the same way under `tsx`, plain `node` and vitest, then runs the
// module named by workerData.entry (a file: URL).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
