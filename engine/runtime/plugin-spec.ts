/**
 * What a user deploys: an analysis plugin's identity, code and configuration,
 * validated before anything runs it. Identity is `<owner>.<name>`; the
 * plugin's Logger on injected messages is `analysis.<owner>.<name>` and its
 * outputs are `analysis.<owner>.<name>.<output name>.<type>`, as in Hindsight.
 */

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
 * that and reports MatcherError / sandbox errors with positions.
 */
export function validatePluginSpec(input: unknown): PluginSpec {
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
  const config = validateConfig(o.config);
  return { owner, name, code: o.code, config };
}

function identifier(v: unknown, field: string): string {
  if (typeof v !== 'string' || !IDENT.test(v)) {
    throw new PluginSpecError(field, `must be 1-64 letters, digits, '_' or '-' (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function validateConfig(v: unknown): Record<string, ConfigValue> {
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
  tickerInterval(out);
  if (out.preserve_data !== undefined && typeof out.preserve_data !== 'boolean') {
    throw new PluginSpecError('config.preserve_data', 'must be true or false');
  }
  return out;
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
