/**
 * Crash recovery, for real: a child process ingests as fast as it can and
 * reports each acknowledged batch; we kill -9 it at random moments, reopen
 * the stream and check that every acknowledged message is there, in order,
 * exactly once, and that the log and the checkpoints still read cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readField } from '../message/fields';
import { MessageStream } from './message-stream';
import type { LogEntry } from './recent-window';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const child = join(here, 'testing', 'crash-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'foresight-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  first: number;
  last: number;
  seq: number;
}

/** Run the child until it has acknowledged something, then SIGKILL it after a random delay. */
function runAndKill(run: number, killAfterMs: number, tearAtWrite?: number): Promise<{ acks: Ack[]; startedAt: number }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', child, dir, String(run)];
    if (tearAtWrite !== undefined) args.push(String(tearAtWrite));
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let startedAt = -1;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'ready') startedAt = Number(a);
        else if (kind === 'ack') {
          acks.push({ first: Number(a), last: Number(b), seq: Number(c) });
          // Start the clock at the first acknowledgement, so every run writes something.
          timer ??= setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        } else if (line) stderr += `${line}\n`;
      }
    });
    proc.stderr.on('data', (d) => (stderr += String(d)));
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}/${signal}: ${stderr}`));
      else resolve({ acks, startedAt });
    });
  });
}

async function readEverything(stream: MessageStream): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (let next = 0; next < stream.nextOffset; ) {
    const page = await stream.read(next, 5000);
    if (page.length === 0) break;
    out.push(...page);
    next = page[page.length - 1].offset + 1;
  }
  return out;
}

describe('crash recovery (kill -9 of a writing process)', () => {
  it('keeps every acknowledged message, in order, once, across repeated kills', async () => {
    // Runs 2 and 4 crash in the middle of a write (the child writes part of
    // a buffer, then SIGKILLs itself), leaving a torn record to cut.
    const runs = 6;
    const tearing = new Set([2, 4]);
    const allAcks: Ack[][] = [];
    let truncations = 0;
    for (let run = 0; run < runs; run++) {
      const killAfter = tearing.has(run) ? 20_000 : 30 + Math.floor(Math.random() * 400);
      const tearAt = tearing.has(run) ? 3 + Math.floor(Math.random() * 20) : undefined;
      const { acks, startedAt } = await runAndKill(run, killAfter, tearAt);
      expect(acks.length).toBeGreaterThan(0);
      allAcks.push(acks);

      const stream = await MessageStream.open(dir, { windowCapacity: 1000, warmWindow: 1000 });
      if (tearing.has(run)) expect(stream.openReport.truncatedBytes).toBeGreaterThan(0);
      if (stream.openReport.truncatedBytes > 0) truncations++;
      const entries = await readEverything(stream);
      // The log reads cleanly from 0 to its end, with consecutive offsets.
      expect(entries.length).toBe(stream.nextOffset);
      entries.forEach((e, i) => {
        if (e.offset !== i) throw new Error(`offset ${e.offset} at position ${i}`);
      });
      // This run wrote after what the previous runs left.
      expect(startedAt).toBeLessThanOrEqual(stream.nextOffset);

      // Every run's messages form a prefix 0..m-1 of its sequence, in log order,
      // none twice: nothing acknowledged lost, nothing duplicated or reordered.
      const seqsByRun = new Map<number, number[]>();
      for (const e of entries) {
        const r = readField(e.message, 'run') as number;
        const list = seqsByRun.get(r) ?? [];
        list.push(readField(e.message, 'seq') as number);
        seqsByRun.set(r, list);
      }
      for (let r = 0; r <= run; r++) {
        const seqs = seqsByRun.get(r) ?? [];
        for (let i = 0; i < seqs.length; i++) {
          if (seqs[i] !== i) throw new Error(`run ${r}: position ${i} holds seq ${seqs[i]}`);
        }
        // Every acknowledged batch is there at the offsets it was given.
        for (const ack of allAcks[r]) {
          for (let o = ack.first; o <= ack.last; o++) {
            const e = entries[o];
            if (readField(e.message, 'run') !== r || readField(e.message, 'seq') !== ack.seq + (o - ack.first)) {
              throw new Error(`run ${r}: acknowledged offset ${o} holds run ${readField(e.message, 'run')} seq ${readField(e.message, 'seq')}`);
            }
          }
        }
      }
      // The checkpoint file survived and never points past the log.
      const ckpt = stream.checkpoints.get('crash-child');
      if (ckpt !== undefined) expect(ckpt).toBeLessThanOrEqual(stream.nextOffset);
      // The window warmed from disk matches the log's tail.
      const recent = stream.recent();
      expect(recent.length).toBe(Math.min(1000, entries.length));
      if (recent.length) expect(recent[recent.length - 1].offset).toBe(stream.nextOffset - 1);
      // And the log accepts appends after the crash.
      await stream.close();
    }
    const acked = allAcks.flat().reduce((n, a) => n + a.last - a.first + 1, 0);
    expect(acked).toBeGreaterThan(runs);
    console.log(`crash test: ${runs} kills, ${acked} acknowledged messages checked, ${truncations} torn tails cut`);
  }, 120_000);
});
