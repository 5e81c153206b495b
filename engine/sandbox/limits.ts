/**
 * Per-plugin resource limits: Hindsight's sandbox limits, with the
 * instruction count expressed as a CPU-time deadline per call.
 */

export interface PluginLimits {
  /** QuickJS heap limit (Hindsight `memory_limit`, 8 MiB). */
  memoryBytes: number;
  /**
   * Wall-clock budget of one process_message() or timer_event() call, enforced
   * by QuickJS's interrupt handler (Hindsight's `instruction_limit`, which is
   * 1e6 Lua instructions per call). Messages run in batches, but each message
   * keeps its own budget: see the deadline notes in plugin-sandbox.ts.
   */
  cpuMsPerCall: number;
  /** Largest payload one inject_payload() may emit, and the add_to_payload() buffer (Hindsight `output_limit`, 64 KiB). */
  outputBytes: number;
  /** QuickJS stack limit. More than 256 KiB lets deep recursion overflow Node's own stack. */
  stackBytes: number;
  /** Messages plus payloads one process_message() call may inject (Hindsight default 0). */
  processMessageInjectLimit: number;
  /** Messages plus payloads one timer_event() call may inject (Hindsight default 10). */
  timerEventInjectLimit: number;
}

/**
 * 500 ms per call: Hindsight's 1e6 instructions are tens of milliseconds of
 * interpreted code; the margin absorbs GC pauses and a busy shared machine
 * while still stopping a runaway loop within half a second.
 */
export const DEFAULT_LIMITS: Readonly<PluginLimits> = Object.freeze({
  memoryBytes: 8 * 1024 * 1024,
  cpuMsPerCall: 500,
  outputBytes: 64 * 1024,
  stackBytes: 256 * 1024,
  processMessageInjectLimit: 0,
  timerEventInjectLimit: 10,
});

const BOUNDS: Record<keyof PluginLimits, [min: number, max: number]> = {
  memoryBytes: [256 * 1024, 1024 * 1024 * 1024],
  cpuMsPerCall: [1, 10 * 60 * 1000],
  outputBytes: [1, 64 * 1024 * 1024],
  stackBytes: [16 * 1024, 256 * 1024],
  processMessageInjectLimit: [0, 1_000_000],
  timerEventInjectLimit: [0, 1_000_000],
};

/** Hindsight configuration keys that set a limit, and the limit each sets. */
const CONFIG_KEYS: Record<string, keyof PluginLimits> = {
  memory_limit: 'memoryBytes',
  output_limit: 'outputBytes',
  process_message_inject_limit: 'processMessageInjectLimit',
  timer_event_inject_limit: 'timerEventInjectLimit',
  /** Foresight's stand-in for `instruction_limit`, which counts Lua instructions and has no QuickJS meaning. */
  cpu_limit_ms: 'cpuMsPerCall',
};

/**
 * The limits a plugin's configuration asks for (`memory_limit`,
 * `output_limit`, `process_message_inject_limit`, `timer_event_inject_limit`,
 * `cpu_limit_ms`). `instruction_limit` is accepted by Hindsight configs but
 * ignored here: QuickJS has no instruction count, so use `cpu_limit_ms`.
 */
export function limitsFromConfig(config: Record<string, unknown>): Partial<PluginLimits> {
  const out: Partial<PluginLimits> = {};
  for (const [key, limit] of Object.entries(CONFIG_KEYS)) {
    if (!Object.hasOwn(config, key)) continue;
    const v = config[key];
    if (typeof v !== 'number') throw new TypeError(`config ${key} must be a number, got ${typeof v}`);
    out[limit] = v;
  }
  return out;
}

/** DEFAULT_LIMITS, then the config's limits, then explicit overrides; throws a TypeError naming a bad value. */
export function resolveLimits(
  config: Record<string, unknown>,
  overrides: Partial<PluginLimits> | undefined,
): PluginLimits {
  const limits: PluginLimits = { ...DEFAULT_LIMITS, ...limitsFromConfig(config) };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in BOUNDS)) throw new TypeError(`unknown limit ${key}`);
    if (value !== undefined) limits[key as keyof PluginLimits] = value as number;
  }
  for (const key of Object.keys(BOUNDS) as (keyof PluginLimits)[]) {
    const v = limits[key];
    const [min, max] = BOUNDS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`limit ${key} must be an integer from ${min} to ${max}, got ${String(v)}`);
    }
  }
  return limits;
}
