/**
 * The data-directory lock: a restart right after kill -9 always starts, even
 * while the killed owner is an unreaped zombie; a second live opener is
 * refused with LOCKED naming the owner's pid; the LOCK-file fallback tells a
 * zombie or a reused PID from the live owner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE, processStartTime } from './data-dir-lock';
import { LogLockedError } from './errors';
import { nodeLogFs } from './log-fs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const HOLDER = join(here, 'testing', 'lock-holder.ts');
const ZOMBIE_PARENT = join(here, 'testing', 'zombie-parent.ts');
const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'foresight-lock-'));
  dirs.push(d);
  return d;
}

/** Lines a process prints, awaited one at a time. */
function lines(proc: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  proc.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w(`exit ${code ?? signal} ${stderr}`);
  });
  return () => {
    const line = queue.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(`exit ${proc.exitCode ?? proc.signalCode} ${stderr}`);
    return new Promise((resolve) => waiters.push(resolve));
  };
}

function node(script: string, ...args: string[]): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  return p;
}

function state(pid: number): string | undefined {
  return processStartTime(pid)?.state;
}

describe.runIf(process.platform === 'linux')('restart after kill -9', () => {
  it('starts at once, 20 times in a row, while each killed owner is still an unreaped zombie; a second live opener gets LOCKED', async () => {
    const dir = tempDir();
    let previous: { parent: ChildProcess; holder: number } | undefined;
    const refusals: string[] = [];
    for (let i = 0; i < 20; i++) {
      // The owner runs under a parent that never reaps it: once killed, it stays a zombie.
      const parent = node(ZOMBIE_PARENT, process.execPath, '--import', 'tsx', HOLDER, dir);
      const next = lines(parent);
      const child = await next();
      expect(child).toMatch(/^child \d+$/);
      const holder = Number(child.split(' ')[1]);
      const ready = await next();
      expect(ready, `restart ${i + 1}`).toBe(`ready ${holder}`);
      if (previous) {
        // The restart did not wait for the old owner to be reaped: it is a zombie still.
        expect(state(previous.holder)).toBe('Z');
        previous.parent.kill('SIGKILL'); // now init reaps it
      }
      if (i === 0 || i === 19) {
        // A second opener while the owner is alive is refused, naming the owner.
        const second = node(HOLDER, dir);
        const answer = await lines(second)();
        refusals.push(answer);
        expect(answer).toMatch(new RegExp(`^error LOCKED the log in .* is in use by process ${holder} `));
      }
      // kill -9, and restart at once: no waiting for the exit, no reaping.
      process.kill(holder, 'SIGKILL');
      previous = { parent, holder };
    }
    previous?.parent.kill('SIGKILL');
    expect(refusals).toHaveLength(2);
  }, 240_000);
});

describe('acquireDataDirLock', () => {
  for (const socket of [true, false]) {
    describe(socket ? 'abstract socket (Linux)' : 'LOCK file fallback', () => {
      it('refuses a second open in this process and lets one of two racing openers win', async () => {
        const dir = tempDir();
        const lock = await acquireDataDirLock(nodeLogFs, dir, { socket });
        await expect(acquireDataDirLock(nodeLogFs, dir, { socket })).rejects.toThrow(/already open in this process/);
        await lock.release();
        await lock.release(); // idempotent
        const again = await acquireDataDirLock(nodeLogFs, dir, { socket });
        await again.release();
        const [a, b] = await Promise.allSettled([acquireDataDirLock(nodeLogFs, dir, { socket }), acquireDataDirLock(nodeLogFs, dir, { socket })]);
        expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
        for (const r of [a, b]) if (r.status === 'fulfilled') await r.value.release();
      });

      it('records the owner in the LOCK file and removes it on release', async () => {
        const dir = tempDir();
        const lock = await acquireDataDirLock(nodeLogFs, dir, { socket });
        const [pid, start, , mode] = readFileSync(join(dir, LOCK_FILE), 'utf8').trim().split(' ');
        expect(Number(pid)).toBe(process.pid);
        if (process.platform === 'linux') expect(start).toBe(processStartTime(process.pid)!.startTime);
        expect(mode).toBe(socket && process.platform === 'linux' ? 'socket' : 'file');
        await lock.release();
        expect(() => readFileSync(join(dir, LOCK_FILE))).toThrow(/ENOENT/);
      });
    });
  }

  it.runIf(process.platform === 'linux')('LOCK file: a live owner refuses, naming its pid; a zombie, a reused pid, another boot or a gone pid do not', async () => {
    const dir = tempDir();
    const lockFile = join(dir, LOCK_FILE);
    const sleeper = spawn('sleep', ['60']);
    procs.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    const live = processStartTime(sleeper.pid!)!;
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

    writeFileSync(lockFile, `${sleeper.pid} ${live.startTime} ${boot} file\n`);
    const refused = acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 });
    await expect(refused).rejects.toThrow(LogLockedError);
    await expect(refused).rejects.toThrow(`in use by process ${sleeper.pid} `);
    // In socket mode too: an owner that could only take the file still counts.
    await expect(acquireDataDirLock(nodeLogFs, dir, { waitMs: 50 })).rejects.toThrow(`in use by process ${sleeper.pid} `);

    // The same pid with another start time is another process: the pid was reused.
    writeFileSync(lockFile, `${sleeper.pid} ${Number(live.startTime) - 1} ${boot} file\n`);
    await (await acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 })).release();
    // Written in another boot.
    writeFileSync(lockFile, `${sleeper.pid} ${live.startTime} 00000000-0000-0000-0000-000000000000 file\n`);
    await (await acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 })).release();

    // A zombie: killed, not reaped by its parent.
    const parent = node(ZOMBIE_PARENT, 'sleep', '60');
    const zombie = Number((await lines(parent)()).split(' ')[1]);
    const zombieStart = processStartTime(zombie)!.startTime;
    process.kill(zombie, 'SIGKILL');
    for (let i = 0; i < 100 && state(zombie) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(state(zombie)).toBe('Z');
    writeFileSync(lockFile, `${zombie} ${zombieStart} ${boot} file\n`);
    await (await acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 })).release();

    // A pid that no longer exists, in the old format (the pid alone).
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
    writeFileSync(lockFile, `${sleeper.pid}\n`);
    await (await acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 })).release();
    // Garbage is no owner either.
    writeFileSync(lockFile, 'not a pid\n');
    await (await acquireDataDirLock(nodeLogFs, dir, { socket: false, waitMs: 50 })).release();
  });

  it.runIf(process.platform === 'linux')('socket mode ignores the LOCK file of an owner whose socket is gone (it died)', async () => {
    const dir = tempDir();
    // A socket-mode owner that is alive would hold the socket; this one (us, under another pid) does not.
    const sleeper = spawn('sleep', ['60']);
    procs.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    writeFileSync(join(dir, LOCK_FILE), `${sleeper.pid} ${processStartTime(sleeper.pid!)!.startTime} - socket\n`);
    const lock = await acquireDataDirLock(nodeLogFs, dir, { waitMs: 50 });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await lock.release();
  });
});
