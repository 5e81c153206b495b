/**
 * What a user deploys: an analysis plugin's identity, code and configuration,
 * validated before anything runs it. Identity is `<owner>.<name>`; the
 * plugin's Logger on injected messages is `analysis.<owner>.<name>` and its
 * outputs are `analysis.<owner>.<name>.<output name>.<type>`, as in Hindsight.
 *
 * Limits are the platform's, not the plugin's: the limit keys of a config
 * (`cpu_limit_ms`, `memory_limit`, `output_limit`, the two inject limits) may
 * ask for less than the platform's cap (LimitCaps, set by the admin), never
 * more; a plugin that asks for nothing gets the default, cut to the cap. The
 * shortest `ticker_interval` is the platform's too. `instruction_limit` is
 * accepted for Hindsight configs and ignored (QuickJS counts no instructions).
 */
import { DEFAULT_LIMITS, type PluginLimits } from '../sandbox';

export type ConfigValue = string | number | boolean;

export interface PluginSpec {
  /** Who owns it (a user handle): letters, digits, '_' and '-'. */
  owner: string;
  /** The plugin's name, unique per owner: letters, digits, '_' and '-'. */
  name: string;
  /** The JavaScript source. */
  code: string;
  /**
   * Hindsight's keys (`message_matcher` required, `ticker_interval`,
   * `preserve_data`, `output_limit`, `memory_limit`, `instruction_limit`,
   * `process_message_inject_limit`, `timer_event_inject_limit`) plus any
   * user keys, which `read_config` passes through.
   */
  config: Record<string, ConfigValue>;
}

export class PluginSpecError extends Error {
  /** The offending field, e.g. "config.ticker_interval". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PluginSpecError';
    this.field = field;
  }
}

/** The config keys that set a limit: what each sets in the sandbox, its smallest value and its unit. */
export const LIMIT_KEYS = {
  cpu_limit_ms: { limit: 'cpuMsPerCall', min: 1, unit: 'ms per call' },
  memory_limit: { limit: 'memoryBytes', min: 256 * 1024, unit: 'bytes' },
  output_limit: { limit: 'outputBytes', min: 1, unit: 'bytes' },
  process_message_inject_limit: { limit: 'processMessageInjectLimit', min: 0, unit: 'messages per call' },
  timer_event_inject_limit: { limit: 'timerEventInjectLimit', min: 0, unit: 'messages per call' },
} as const satisfies Record<string, { limit: keyof PluginLimits; min: number; unit: string }>;
export type LimitKey = keyof typeof LIMIT_KEYS;
const LIMIT_KEY_NAMES = Object.keys(LIMIT_KEYS) as LimitKey[];

/** The platform's caps: the most each limit key may ask for, and the shortest ticker_interval. */
export type LimitCaps = Record<LimitKey, number> & {
  /** Shortest ticker_interval in seconds a plugin may ask for (0, no timer events, is always allowed). */
  min_ticker_interval: number;
};

/**
 * Defaults for a shared server: one call holds a shared analysis thread for
 * at most a second; memory and output well above Hindsight's defaults;
 * injection bounded so one plugin cannot multiply the stream.
 */
export const DEFAULT_LIMIT_CAPS: Readonly<LimitCaps> = Object.freeze({
  cpu_limit_ms: 1000,
  memory_limit: 64 * 1024 * 1024,
  output_limit: 256 * 1024,
  process_message_inject_limit: 10,
  timer_event_inject_limit: 100,
  min_ticker_interval: 1,
});

/** The largest cap an admin may set for each key (what the sandbox itself supports). */
const CAP_CEILINGS: Readonly<LimitCaps> = Object.freeze({
  cpu_limit_ms: 10 * 60 * 1000,
  memory_limit: 1024 * 1024 * 1024,
  output_limit: 64 * 1024 * 1024,
  process_message_inject_limit: 1_000_000,
  timer_event_inject_limit: 1_000_000,
  min_ticker_interval: 86_400,
});

/** DEFAULT_LIMIT_CAPS with an admin's settings; throws a RangeError naming a cap out of range. */
export function resolveLimitCaps(caps: Partial<LimitCaps> = {}): LimitCaps {
  const out: LimitCaps = { ...DEFAULT_LIMIT_CAPS };
  for (const key of Object.keys(DEFAULT_LIMIT_CAPS) as (keyof LimitCaps)[]) {
    const v = caps[key];
    if (v === undefined) continue;
    const min = key === 'min_ticker_interval' ? 0 : LIMIT_KEYS[key].min;
    if (!Number.isInteger(v) || v < min || v > CAP_CEILINGS[key]) {
      throw new RangeError(`the cap for ${key} must be a whole number from ${min} to ${CAP_CEILINGS[key]}, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}

/** One limit as a plugin runs with it: the value, the platform's cap, and what the plugin asked for (if anything). */
export interface EffectiveLimit {
  value: number;
  cap: number;
  asked?: number;
}

/**
 * The limits a plugin runs with: what it asked for, else the default, never
 * above the cap (a spec stored before an admin lowered a cap is cut to it).
 * With no caps (the command line), what it asked for, else the default.
 */
export function effectiveLimits(config: Record<string, ConfigValue>, caps?: LimitCaps): Record<LimitKey, EffectiveLimit> {
  const out = {} as Record<LimitKey, EffectiveLimit>;
  for (const key of LIMIT_KEY_NAMES) {
    const asked = typeof config[key] === 'number' ? (config[key] as number) : undefined;
    const cap = caps?.[key] ?? Number.POSITIVE_INFINITY;
    out[key] = { value: Math.min(asked ?? DEFAULT_LIMITS[LIMIT_KEYS[key].limit], cap), cap, ...(asked !== undefined ? { asked } : {}) };
  }
  return out;
}

/**
 * The spec as the sandbox should run it: a limit key whose asked-for value
 * (or default) is above its cap is set to the cap; read_config sees the same.
 * Keys the plugin did not set and that need no cut stay unset, as in Hindsight.
 */
export function withEffectiveLimits<S extends { config: Record<string, ConfigValue> }>(spec: S, caps?: LimitCaps): S {
  if (!caps) return spec;
  let config: Record<string, ConfigValue> | undefined;
  for (const [key, l] of Object.entries(effectiveLimits(spec.config, caps))) {
    if (l.value === (l.asked ?? DEFAULT_LIMITS[LIMIT_KEYS[key as LimitKey].limit])) continue;
    config ??= { ...spec.config };
    config[key] = l.value;
  }
  return config ? { ...spec, config } : spec;
}

const IDENT = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_CODE_BYTES = 1024 * 1024;
const MAX_CONFIG_KEYS = 256;

export function pluginId(owner: string, name: string): string {
  return `${owner}.${name}`;
}

/** The Logger of messages a plugin injects. */
export function pluginLogger(id: string): string {
  return `analysis.${id}`;
}

/** The checkpoint reader name of a deployed plugin. */
export function checkpointName(id: string): string {
  return `analysis.${id}`;
}

/** Split `<owner>.<name>`; undefined when it is not a valid id. */
export function parsePluginId(id: string): { owner: string; name: string } | undefined {
  const dot = id.indexOf('.');
  if (dot < 0) return undefined;
  const owner = id.slice(0, dot);
  const name = id.slice(dot + 1);
  return IDENT.test(owner) && IDENT.test(name) ? { owner, name } : undefined;
}

/**
 * Check the shape of a spec (from JSON, an HTTP body, a file) and return a
 * clean copy. It does not compile the matcher or the code: the runtime does
 * that and reports MatcherError / sandbox errors with positions. With `caps`,
 * a limit key asking for more than its cap is refused (a stored spec is read
 * without them: what it runs with is cut by effectiveLimits).
 */
export function validatePluginSpec(input: unknown, caps?: LimitCaps): PluginSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new PluginSpecError('spec', 'must be an object with owner, name, code and config');
  }
  const o = input as Record<string, unknown>;
  const owner = identifier(o.owner, 'owner');
  const name = identifier(o.name, 'name');
  if (typeof o.code !== 'string') throw new PluginSpecError('code', 'must be a string of JavaScript');
  if (Buffer.byteLength(o.code, 'utf8') > MAX_CODE_BYTES) {
    throw new PluginSpecError('code', `is larger than ${MAX_CODE_BYTES} bytes`);
  }
  const config = validateConfig(o.config, caps);
  return { owner, name, code: o.code, config };
}

function identifier(v: unknown, field: string): string {
  if (typeof v !== 'string' || !IDENT.test(v)) {
    throw new PluginSpecError(field, `must be 1-64 letters, digits, '_' or '-' (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function validateConfig(v: unknown, caps?: LimitCaps): Record<string, ConfigValue> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new PluginSpecError('config', 'must be an object of key: string | number | boolean');
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_CONFIG_KEYS) throw new PluginSpecError('config', `has more than ${MAX_CONFIG_KEYS} keys`);
  const out: Record<string, ConfigValue> = {};
  for (const [k, val] of entries) {
    if (typeof val === 'string' || typeof val === 'boolean' || (typeof val === 'number' && Number.isFinite(val))) {
      out[k] = val;
    } else {
      throw new PluginSpecError(`config.${k}`, `must be a string, a finite number or a boolean (got ${JSON.stringify(val) ?? typeof val})`);
    }
  }
  if (typeof out.message_matcher !== 'string' || out.message_matcher.trim() === '') {
    throw new PluginSpecError('config.message_matcher', 'is required (a message matcher expression)');
  }
  const ticker = tickerInterval(out);
  if (caps && ticker > 0 && ticker < caps.min_ticker_interval) {
    throw new PluginSpecError(
      'config.ticker_interval',
      `${ticker} s is shorter than this server allows (at least ${caps.min_ticker_interval} s, or 0 for no timer events)`,
    );
  }
  for (const key of LIMIT_KEY_NAMES) checkLimit(out, key, caps);
  if (out.instruction_limit !== undefined && (typeof out.instruction_limit !== 'number' || out.instruction_limit < 0)) {
    throw new PluginSpecError('config.instruction_limit', `must be a number >= 0 (it is ignored here: cpu_limit_ms limits a call)`);
  }
  if (out.preserve_data !== undefined && typeof out.preserve_data !== 'boolean') {
    throw new PluginSpecError('config.preserve_data', 'must be true or false');
  }
  return out;
}

/** A limit key, when present: a whole number from its minimum to the cap. */
function checkLimit(config: Record<string, ConfigValue>, key: LimitKey, caps: LimitCaps | undefined): void {
  const v = config[key];
  if (v === undefined) return;
  const { min, unit } = LIMIT_KEYS[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new PluginSpecError(`config.${key}`, `must be a whole number of ${unit}, at least ${min} (got ${JSON.stringify(v)})`);
  }
  if (caps && v > caps[key]) {
    throw new PluginSpecError(
      `config.${key}`,
      `asks for ${v}, more than this server allows (at most ${caps[key]} ${unit}); a plugin may ask for less, never more`,
    );
  }
}

/** `ticker_interval` in whole seconds (0: no timer events). */
export function tickerInterval(config: Record<string, ConfigValue>): number {
  const t = config.ticker_interval ?? 0;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 86_400 * 365) {
    throw new PluginSpecError('config.ticker_interval', `must be a whole number of seconds >= 0 (got ${JSON.stringify(t)})`);
  }
  return t;
}

export function preservesData(config: Record<string, ConfigValue>): boolean {
  return config.preserve_data === true;
}
