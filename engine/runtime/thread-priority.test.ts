import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentThreadId } from './thread-cpu';
import { lowerThreadPriority } from './thread-priority';

/** Field 19 of /proc/self/task/<tid>/stat: the thread's nice value. */
const niceOf = (tid: number) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'latin1').split(') ')[1].split(' ')[16]);

describe('lowerThreadPriority', () => {
  it.runIf(process.platform === 'linux')('lowers the calling thread alone, not the other threads of the process', () => {
    const self = currentThreadId()!;
    const others = readdirSync('/proc/self/task').map(Number).filter((t) => t !== self);
    const before = new Map(others.map((t) => [t, niceOf(t)]));
    const start = niceOf(self);
    expect(lowerThreadPriority(start + 3)).toBe(true);
    expect(niceOf(self)).toBe(start + 3);
    expect(others.length).toBeGreaterThan(0);
    for (const t of others) expect(niceOf(t)).toBe(before.get(t));
  });
});
