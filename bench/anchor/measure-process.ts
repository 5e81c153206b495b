/**
 * One whole process, measured from outside: its CPU time (user + system of
 * all its threads, and of any children it waited for), peak RSS and wall
 * time, as wait4(2) reports them through the `rusage` launcher (rusage.c).
 * The same measure for Foresight, Hindsight and the plain-script baselines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessRun {
  /** user + system CPU seconds of the whole process. */
  cpuSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  wallSeconds: number;
  maxRssBytes: number;
  exitCode: number;
  /** The signal that ended it, 0 when it exited. */
  signal: number;
  stdout: string;
  stderr: string;
}

interface RusageLine {
  userMicros: number;
  sysMicros: number;
  maxRssKiB: number;
  wallMicros: number;
  exitCode: number;
  signal: number;
}

/** Runs `cmd args` (stdin from /dev/null) under `rusage` and waits for it; stdout and stderr are returned whole. */
export function measureProcess(
  rusage: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): ProcessRun {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-anchor-run-'));
  try {
    const out = join(dir, 'stdout');
    const err = join(dir, 'stderr');
    const r = spawnSync(rusage, [out, err, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 600_000,
    });
    if (r.status !== 0) {
      throw new Error(`measuring \`${cmd} ${args.join(' ')}\` failed (launcher exit ${r.status ?? r.signal}): ${r.stderr}${r.error ?? ''}`);
    }
    const line = JSON.parse(String(r.stdout).trim()) as RusageLine;
    return {
      cpuSeconds: (line.userMicros + line.sysMicros) / 1e6,
      userSeconds: line.userMicros / 1e6,
      sysSeconds: line.sysMicros / 1e6,
      wallSeconds: line.wallMicros / 1e6,
      maxRssBytes: line.maxRssKiB * 1024,
      exitCode: line.exitCode,
      signal: line.signal,
      stdout: readFileSync(out, 'utf8'),
      stderr: readFileSync(err, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throws, with what it printed, unless the process exited 0. */
export function expectSuccess(run: ProcessRun, what: string): void {
  if (run.exitCode === 0 && run.signal === 0) return;
  const how = run.signal ? `was killed by signal ${run.signal}` : `exited ${run.exitCode}`;
  throw new Error(`${what} ${how}:\n${(run.stdout + run.stderr).slice(-3000)}`);
}
