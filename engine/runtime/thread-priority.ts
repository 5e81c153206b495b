/**
 * Lower the calling thread's CPU priority (Linux: a per-thread nice value),
 * for worker threads that run one-off user work (Test Plugin runs, Run
 * Matcher scans): when the machine is short of cores, the server's own
 * thread (HTTP, sign-in, ingest) and the analysis workers come first, so one
 * user's heavy test cannot slow every page. Elsewhere, or when the OS
 * refuses, nothing changes.
 */
import { setPriority } from 'node:os';
import { currentThreadId } from './thread-cpu';

/** Nice value of one-off job workers (0 is normal, 19 the lowest priority). */
export const JOB_WORKER_NICE = 10;

/** Set the calling thread's nice value; returns whether it took. */
export function lowerThreadPriority(nice = JOB_WORKER_NICE): boolean {
  const tid = currentThreadId();
  if (tid === undefined) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
