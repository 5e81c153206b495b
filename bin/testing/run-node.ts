/** Runs Node on a script in a child process, for the CLI tests: exit code and all it printed. */
import { spawn } from 'node:child_process';

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node ...args` in `cwd`, with `input` on stdin (none: stdin closed at once) and `env` added to this process's. */
export function runNode(args: string[], { cwd, input, env = {} }: { cwd: string; input?: string; env?: Record<string, string> }): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
