/**
 * The analysis worker's watchdog: what the worker is doing, written into
 * shared memory as it goes, and the main thread's judgement of when it is
 * stuck and whom to blame, read while the worker cannot answer.
 *
 * The worker writes (WatchCell): its phase (a batch, a ticker round, a plugin
 * loading or stopping), the plugin in a sandbox call, the plugin whose costly
 * matcher it is evaluating (MatcherIndex's marks), and bumps a sequence number
 * at each change. The main thread samples the cells a few times a second; a
 * unit of work is the span over which the sequence does not move, and its
 * cost is the worker thread's CPU time over that span (wall time where the OS
 * does not tell CPU time per thread, so a busy machine does not make a
 * plugin look stuck). A unit that costs more than its allowance is stuck:
 *
 * - a matcher evaluation: MATCHER_STALL_MS for one message;
 * - a plugin's process_message over a batch: its cpu_limit_ms for each
 *   message of the batch, plus a grace (the sandbox stops each message at
 *   cpu_limit_ms; this catches a call that escapes that deadline);
 * - timer_event, loading, stopping: cpu_limit_ms plus a grace.
 *
 * Work no plugin can be blamed for (decoding, cheap matchers) is never
 * judged stuck: replacing the worker would only repeat it.
 */

/** Int32 cells of the watch buffer. */
export const WatchCell = {
  /** Slot of the plugin in a sandbox call, -1 when none (also the crash blame). */
  Busy: 0,
  Phase: 1,
  /** Bumped at every change of the other cells. */
  Seq: 2,
  /** Slot of the plugin whose costly matcher is being evaluated, -1 when none. */
  Matcher: 3,
  /** Slot of the plugin being loaded or stopped (Phase Load / Stop). */
  Subject: 4,
} as const;
export const WATCH_CELLS = 5;

export const WatchPhase = {
  Idle: 0,
  Batch: 1,
  Tick: 2,
  Load: 3,
  Stop: 4,
} as const;

/** CPU time one matcher evaluation on one message may take before its worker is judged stuck. */
export const MATCHER_STALL_MS = 500;
/** Added to a sandbox call's own allowance (GC pauses, result handling). */
export const CALL_GRACE_MS = 1000;
/** Added when a plugin loads: compiling up to 1 MiB of code is not covered by its deadline. */
export const LOAD_GRACE_MS = 5000;

/** One reading of the cells. */
export interface WatchReading {
  phase: number;
  busy: number;
  matcher: number;
  subject: number;
  seq: number;
}

export function readWatch(cells: Int32Array): WatchReading {
  return {
    seq: Atomics.load(cells, WatchCell.Seq),
    phase: Atomics.load(cells, WatchCell.Phase),
    busy: Atomics.load(cells, WatchCell.Busy),
    matcher: Atomics.load(cells, WatchCell.Matcher),
    subject: Atomics.load(cells, WatchCell.Subject),
  };
}

/** A stuck unit: the plugin to blame (by slot), and the termination message naming the cause. */
export interface StallVerdict {
  slot: number;
  kind: 'matcher' | 'process_message' | 'timer_event' | 'load' | 'stop';
  message: string;
}

export interface StallContext {
  /** The plugin's cpu_limit_ms. */
  cpuLimitMs(slot: number): number;
  /** Records in the batch the worker is on. */
  batchRecords(): number;
}

/**
 * Follows the readings of one worker: call observe() at each sample with the
 * thread's CPU time (or wall time) in ms; it answers a verdict once the
 * current unit has cost more than its allowance.
 */
export class StallJudge {
  private seq = -1;
  private phase = -1;
  private since = 0;

  /** What the current unit has cost so far (0 while idle). */
  unitCost(costNow: number): number {
    return this.phase === WatchPhase.Idle || this.phase < 0 ? 0 : costNow - this.since;
  }

  observe(r: WatchReading, costNow: number, ctx: StallContext): StallVerdict | undefined {
    if (r.seq !== this.seq || r.phase !== this.phase) {
      this.seq = r.seq;
      this.phase = r.phase;
      this.since = costNow;
      return undefined;
    }
    if (r.phase === WatchPhase.Idle) return undefined;
    const spent = costNow - this.since;
    const verdict = judge(r, spent, ctx);
    if (verdict) this.since = costNow; // one verdict per unit
    return verdict;
  }
}

function judge(r: WatchReading, spent: number, ctx: StallContext): StallVerdict | undefined {
  const ms = (x: number) => `${Math.round(x)} ms`;
  if (r.busy >= 0) {
    const limit = ctx.cpuLimitMs(r.busy);
    if (r.phase === WatchPhase.Batch) {
      const n = Math.max(1, ctx.batchRecords());
      const allowance = limit * n + CALL_GRACE_MS;
      if (spent <= allowance) return undefined;
      return {
        slot: r.busy,
        kind: 'process_message',
        message: `process_message() took longer than cpu_limit_ms (${ms(limit)} per message) allows: ${ms(spent)} on a batch of ${n} message${n === 1 ? '' : 's'} without returning; its analysis worker was replaced`,
      };
    }
    const allowance = limit + CALL_GRACE_MS;
    if (spent <= allowance) return undefined;
    const call = r.phase === WatchPhase.Stop ? 'timer_event() (final)' : 'timer_event()';
    return {
      slot: r.busy,
      kind: 'timer_event',
      message: `${call} took longer than cpu_limit_ms (${ms(limit)}) allows: ${ms(spent)} without returning; its analysis worker was replaced`,
    };
  }
  if (r.matcher >= 0 && spent > MATCHER_STALL_MS) {
    return {
      slot: r.matcher,
      kind: 'matcher',
      message: `message_matcher took longer than ${ms(MATCHER_STALL_MS)} on one message (${ms(spent)} without finishing); its analysis worker was replaced`,
    };
  }
  if (r.subject >= 0 && (r.phase === WatchPhase.Load || r.phase === WatchPhase.Stop)) {
    const limit = ctx.cpuLimitMs(r.subject);
    const allowance = limit + (r.phase === WatchPhase.Load ? LOAD_GRACE_MS : CALL_GRACE_MS);
    if (spent <= allowance) return undefined;
    return r.phase === WatchPhase.Load
      ? {
          slot: r.subject,
          kind: 'load',
          message: `loading the plugin took longer than cpu_limit_ms (${ms(limit)}) and ${ms(LOAD_GRACE_MS)} to compile allow: ${ms(spent)} without finishing; its analysis worker was replaced`,
        }
      : {
          slot: r.subject,
          kind: 'stop',
          message: `stopping the plugin took longer than cpu_limit_ms (${ms(limit)}) allows: ${ms(spent)} without finishing; its analysis worker was replaced`,
        };
  }
  return undefined;
}
