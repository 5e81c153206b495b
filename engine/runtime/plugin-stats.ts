/**
 * Per-plugin statistics as Hindsight reports them (hindsight.tsv: inject
 * message count/bytes, process message count/failures, current/max memory,
 * max output, message matcher / process_message / timer_event averages),
 * plus what a live view needs: matched count, utilization and position.
 */

export interface PluginStats {
  /** Messages handed to process_message. */
  processMessageCount: number;
  /** process_message calls that returned -1 (counted failures). */
  processMessageFailures: number;
  injectMessageCount: number;
  injectMessageBytes: number;
  /** Sandbox heap in bytes, now and at most. */
  currentMemory: number;
  maxMemory: number;
  /** Largest single output (inject_payload / inject_message) in bytes. */
  maxOutput: number;
  /** Messages the matcher looked at, and how many it matched. */
  matcherEvaluations: number;
  matched: number;
  /** Average times in nanoseconds. */
  matcherAvgNs: number;
  processMessageAvgNs: number;
  timerEventAvgNs: number;
  timerEventCount: number;
  /** Share of one core this plugin used over the last stats interval (0..1). */
  utilization: number;
  /** The next stream offset it will process. */
  nextOffset: number;
  /** When these numbers were taken, ms since the epoch. */
  updatedAt: number;
}

export function emptyStats(nextOffset = 0): PluginStats {
  return {
    processMessageCount: 0,
    processMessageFailures: 0,
    injectMessageCount: 0,
    injectMessageBytes: 0,
    currentMemory: 0,
    maxMemory: 0,
    maxOutput: 0,
    matcherEvaluations: 0,
    matched: 0,
    matcherAvgNs: 0,
    processMessageAvgNs: 0,
    timerEventAvgNs: 0,
    timerEventCount: 0,
    utilization: 0,
    nextOffset,
    updatedAt: Date.now(),
  };
}
