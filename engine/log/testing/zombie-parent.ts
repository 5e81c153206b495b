/**
 * A parent that never reaps: `node zombie-parent.ts CMD ARGS...` starts CMD
 * (its stdout and stderr are this process's), prints `child <pid>`, then
 * blocks its thread for good, so when CMD dies it stays a zombie until this
 * process is killed. Lets a test restart a lock owner while the old one is
 * still in the process table, as after kill -9 under a busy or careless parent.
 */
import { spawn } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: zombie-parent.ts CMD ARGS...\n');
  process.exit(2);
}
const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdout.write(`child ${child.pid}\n`);
// No event loop from here on: libuv never gets to waitpid() the child.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
