/**
 * The data directory's lock: one live process at a time opens a log
 * directory (two writers would interleave the tail). What counts is the
 * owner's identity, never a bare PID liveness test: a process killed with
 * kill -9 stays in the process table as a zombie until its parent reaps it,
 * and its PID may be reused by an unrelated process, and neither may keep a
 * restart from starting.
 *
 * - Linux: the lock is an abstract-namespace Unix socket named after the
 *   directory's device and inode (so every path to it, symlinks and bind
 *   mounts included, meets the same lock). The kernel frees the name the
 *   moment the owner's descriptors close, at exit or kill -9, before the
 *   process is reaped. The owner answers a connection with its pid, so a
 *   refusal names it. Abstract names belong to a network namespace: openers
 *   in two containers with separate network namespaces do not see each other.
 * - Elsewhere, or where binding such a socket is not allowed: the LOCK file
 *   names the owner by pid, process start time and boot id (from /proc where
 *   there is one); a zombie, another start time or another boot is a dead owner.
 *
 * The LOCK file is written in both modes, for people and for the fallback:
 * `<pid> <start time or -> <boot id or -> <socket|file>`.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { LogLockedError } from './errors';
import { writeFully, type LogFs } from './log-fs';

export const LOCK_FILE = 'LOCK';

export interface DataDirLock {
  /** Give the directory up (idempotent). */
  release(): Promise<void>;
}

export interface DataDirLockOptions {
  /**
   * Use the abstract socket where the platform has one (default true on
   * Linux). Tests turn it off to exercise the LOCK-file fallback.
   */
  socket?: boolean;
  /**
   * How long a refused opener keeps trying before it reports LOCKED, ms
   * (default 1000): a process just sent SIGKILL still holds its descriptors
   * for the few milliseconds the kernel takes to tear it down.
   */
  waitMs?: number;
}

/**
 * Data directories open in this process (a second open would corrupt the
 * tail). Kept on globalThis: a bundler may load this module twice (e.g. a
 * custom server and a route handler), and both copies must see one set.
 */
const OPEN_DIRS = Symbol.for('foresight.log.openDirs');
const openDirs: Set<string> = ((globalThis as Record<symbol, unknown>)[OPEN_DIRS] as Set<string> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[OPEN_DIRS] = new Set<string>()) as Set<string>;

const RETRY_EVERY_MS = 25;
/** How long to wait for a live owner to say its pid. */
const ASK_OWNER_MS = 500;

/** Take `dir` (an absolute path that exists) for this process, or throw LogLockedError naming the owner. */
export async function acquireDataDirLock(io: LogFs, dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  if (openDirs.has(dir)) throw new LogLockedError(`the log in ${dir} is already open in this process`);
  openDirs.add(dir);
  const path = join(dir, LOCK_FILE);
  const useSocket = (options.socket ?? true) && process.platform === 'linux';
  const deadline = Date.now() + (options.waitMs ?? 1000);
  try {
    const name = useSocket ? await socketName(dir) : undefined;
    for (;;) {
      const attempt = name !== undefined ? await trySocket(io, path, name) : await tryFile(io, path);
      if (attempt.kind === 'held') {
        let released = false;
        return {
          release: async () => {
            if (released) return;
            released = true;
            // The file first: once the socket closes, a new owner may write its own.
            await io.unlink(path).catch(() => undefined);
            if (attempt.server) await new Promise<void>((resolve) => attempt.server!.close(() => resolve()));
            openDirs.delete(dir);
          },
        };
      }
      if (Date.now() >= deadline) {
        const owner = attempt.pid ?? (name !== undefined ? await askOwner(name) : undefined) ?? (await filePid(io, path));
        throw new LogLockedError(
          `the log in ${dir} is in use by ${owner !== undefined ? `process ${owner}` : 'another process'} (lock ${path}); ` +
            'stop that process first, or give this one another data directory',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
    }
  } catch (err) {
    openDirs.delete(dir);
    throw err;
  }
}

type Attempt = { kind: 'held'; server?: Server } | { kind: 'taken'; pid?: number };

/** The abstract socket; falls back to the LOCK file when the platform refuses the bind for any reason but "in use". */
async function trySocket(io: LogFs, path: string, name: string): Promise<Attempt> {
  const server = createServer((conn) => {
    conn.on('error', () => undefined);
    conn.end(`${process.pid}\n`);
  });
  server.maxConnections = 8;
  const bound = await new Promise<'bound' | 'in-use' | 'unsupported'>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'in-use' : 'unsupported'));
    // exclusive: in a cluster worker, bind here rather than in the primary.
    server.listen({ path: `\0${name}`, exclusive: true }, () => resolve('bound'));
  });
  if (bound === 'in-use') return { kind: 'taken' };
  if (bound === 'unsupported') return tryFile(io, path);
  server.on('error', () => undefined);
  // The lock must not keep the process alive by itself.
  server.unref();
  try {
    // An owner that could not bind a socket (fallback mode) still counts.
    const current = await readOwner(io, path);
    if (current && current.mode !== 'socket' && current.pid !== process.pid && ownerAlive(current)) {
      server.close();
      return { kind: 'taken', pid: current.pid };
    }
    await writeOwner(io, path, 'socket', 'w');
  } catch (err) {
    server.close();
    throw err;
  }
  return { kind: 'held', server };
}

/** The LOCK file alone: created exclusively, or taken over when it names a dead owner. */
async function tryFile(io: LogFs, path: string): Promise<Attempt> {
  try {
    await writeOwner(io, path, 'file', 'wx');
    return { kind: 'held' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const current = await readOwner(io, path);
  if (current && current.pid !== process.pid && ownerAlive(current)) return { kind: 'taken', pid: current.pid };
  // Stale: remove it and race for it again with 'wx', so two openers cannot both win.
  await io.unlink(path).catch(() => undefined);
  try {
    await writeOwner(io, path, 'file', 'wx');
    return { kind: 'held' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { kind: 'taken' };
  }
}

interface Owner {
  pid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat); undefined where unknown. */
  startTime?: string;
  bootId?: string;
  /** undefined: a LOCK file from before owners were recorded (only the pid). */
  mode?: 'socket' | 'file';
}

async function writeOwner(io: LogFs, path: string, mode: 'socket' | 'file', flags: 'w' | 'wx'): Promise<void> {
  const line = `${process.pid} ${processStartTime(process.pid)?.startTime ?? '-'} ${bootId() ?? '-'} ${mode}\n`;
  const fd = await io.open(path, flags);
  try {
    await writeFully(io, fd, new TextEncoder().encode(line), 0);
  } finally {
    await io.close(fd);
  }
}

async function readOwner(io: LogFs, path: string): Promise<Owner | undefined> {
  let text: string;
  try {
    text = new TextDecoder().decode(await io.readFile(path));
  } catch {
    return undefined;
  }
  const [pidText, start, boot, mode] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return {
    pid,
    ...(start && start !== '-' ? { startTime: start } : {}),
    ...(boot && boot !== '-' ? { bootId: boot } : {}),
    ...(mode === 'socket' || mode === 'file' ? { mode } : {}),
  };
}

async function filePid(io: LogFs, path: string): Promise<number | undefined> {
  return (await readOwner(io, path))?.pid;
}

/**
 * Is the recorded owner still that same live process? With /proc: the pid
 * exists, is not a zombie (or dead), started at the recorded time and in this
 * boot. Without /proc: the pid exists (the best a portable test can do).
 */
export function ownerAlive(owner: Owner): boolean {
  const proc = processStartTime(owner.pid);
  if (proc === null) {
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (proc === undefined) return false; // no such process
  if (proc.state === 'Z' || proc.state === 'X' || proc.state === 'x') return false;
  if (owner.startTime !== undefined && owner.startTime !== proc.startTime) return false; // the pid was reused
  if (owner.bootId !== undefined && bootId() !== undefined && owner.bootId !== bootId()) return false;
  return true;
}

/**
 * The state letter and start time of `pid` from /proc/<pid>/stat; undefined
 * when there is no such process; null when this system has no /proc.
 */
export function processStartTime(pid: number): { state: string; startTime: string } | undefined | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    return hasProc() ? undefined : null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0], startTime: rest[19] };
}

let procKnown: boolean | undefined;
function hasProc(): boolean {
  if (procKnown === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procKnown = true;
    } catch {
      procKnown = false;
    }
  }
  return procKnown;
}

let bootIdCache: string | null | undefined;
function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

/** The directory's identity: the same lock for every path that reaches it. */
async function socketName(dir: string): Promise<string> {
  const st = await stat(dir, { bigint: true });
  return `foresight-data-dir-${st.dev.toString(16)}-${st.ino.toString(16)}`;
}

/** Ask the socket's owner for its pid; undefined when it does not answer in time. */
function askOwner(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let reply = '';
    const conn = createConnection({ path: `\0${name}` });
    const done = (pid: number | undefined) => {
      clearTimeout(timer);
      conn.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), ASK_OWNER_MS);
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.length > 32) done(undefined);
    });
    conn.on('end', () => {
      const pid = Number(reply.trim());
      done(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    });
    conn.on('error', () => done(undefined));
  });
}
