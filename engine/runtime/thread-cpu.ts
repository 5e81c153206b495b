/**
 * CPU time of one thread of this process, on Linux: what an analysis worker
 * really spent, which its event loop's busy time overstates whenever another
 * thread or process held its core. (Node 20 has no per-thread CPU clock;
 * process.threadCpuUsage came in Node 23.) Elsewhere, or when /proc cannot
 * be read, the answers are undefined.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel thread id (/proc/thread-self), or undefined. */
export function currentThreadId(): number | undefined {
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time the thread `tid` of this process has run, in ms (schedstat, ns resolution), or undefined once it is gone. */
export function threadCpuMs(tid: number): number | undefined {
  try {
    const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
