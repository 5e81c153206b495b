/**
 * A production Foresight server as a child process (the build must exist):
 * for the server-restart end-to-end test and the push-latency benchmark,
 * which each need a server of their own to start and stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  child: ChildProcess;
  /** What it printed so far. */
  log(): string;
}

/**
 * Starts the server (its bundle, as `npm start` runs it, without building the
 * portal) on `port` with `dataDir`, local sign-in and SQLite; resolves once
 * /login answers.
 */
export async function startServerProcess(options: { port: number; dataDir: string; timeoutMs?: number }): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['scripts/start.mjs', '--no-build'], {
    cwd: ROOT,
    detached: true, // its own process group, so stopping it stops everything it started
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(options.port),
      FORESIGHT_DATA_DIR: options.dataDir,
      AUTH_GOOGLE_ID: '',
      AUTH_GOOGLE_SECRET: '',
      DATABASE_URL: '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const server = { child, log: () => log };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server on port ${options.port} exited:\n${log}`);
    const status = await fetch(`http://localhost:${options.port}/login`).then((r) => r.status).catch(() => 0);
    if (status === 200) return server;
    if (Date.now() > deadline) {
      await stopServerProcess(server);
      throw new Error(`the server on port ${options.port} did not start in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM, as a service manager would; SIGKILL if it is still there after 20 s (it gives itself 10 s). */
export async function stopServerProcess({ child }: ServerProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGTERM');
  const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(force);
}
