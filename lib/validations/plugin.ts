/** What a plugin definition may hold; shared by the editor form and the route handlers. */
import { z } from 'zod';

const PLUGIN_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * What is wrong with a plugin name as typed (the part after `<namespace>.`),
 * or undefined when it is a good one. A dot means the person typed a full
 * `<namespace>.<name>`: say how names are made, and that the prefix is not
 * theirs when the caller knows the person's own (`ownNamespace`).
 */
export function pluginNameProblem(typed: string, ownNamespace?: string): string | undefined {
  const name = typed.trim();
  if (name.length === 0) return 'Give the plugin a name';
  if (name.length > 64) return 'At most 64 characters';
  const dot = name.lastIndexOf('.');
  if (dot >= 0) {
    const prefix = name.slice(0, dot);
    const rest = name.slice(dot + 1);
    const typeOnly = PLUGIN_NAME.test(rest) ? `type only the name, "${rest}"` : 'type only the name, without dots';
    if (ownNamespace === undefined) return `No dots: plugin names are <your namespace>.<name>, and your namespace is added for you; ${typeOnly}`;
    if (prefix === ownNamespace) return `Leave out "${ownNamespace}.": plugin names are <your namespace>.<name>, and yours is added for you; ${typeOnly}`;
    return `"${prefix}" is not your namespace: plugin names are <your namespace>.<name>, and yours is "${ownNamespace}"; ${typeOnly}`;
  }
  if (!PLUGIN_NAME.test(name)) return 'Start with a letter; then letters, digits, _ or -';
  return undefined;
}

/** Plugin names become part of `analysis.<user>.<plugin>.<name>.<type>`, so no dots. */
export const pluginNameSchema = z
  .string()
  .trim()
  .superRefine((name, ctx) => {
    const problem = pluginNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const namespaceSchema = z.string().regex(/^[a-z0-9_]{1,128}$/, 'Not a namespace');

export const matcherSchema = z.string().trim().min(1, 'Enter a message matcher').max(4096, 'At most 4096 characters');

export const sourceSchema = z.string().max(256 * 1024, 'At most 256 KiB of code');

/**
 * The platform's limit keys, as the engine knows them (engine/runtime/plugin-spec.ts
 * LIMIT_KEYS; lib/env.test.ts keeps the two the same): a plugin
 * may ask for less than the server's cap (LimitCaps, from the FORESIGHT_MAX_*
 * settings), never more. `instruction_limit` is Hindsight's and means nothing here.
 */
export const LIMIT_CONFIG_KEYS = {
  cpu_limit_ms: { min: 1, unit: 'ms per call', label: 'CPU per call' },
  memory_limit: { min: 256 * 1024, unit: 'bytes', label: 'Memory' },
  output_limit: { min: 1, unit: 'bytes', label: 'Output per call' },
  process_message_inject_limit: { min: 0, unit: 'messages per call', label: 'Injected per message' },
  timer_event_inject_limit: { min: 0, unit: 'messages per call', label: 'Injected per timer event' },
} as const;
export type LimitConfigKey = keyof typeof LIMIT_CONFIG_KEYS;
export const LIMIT_CONFIG_KEY_NAMES = Object.keys(LIMIT_CONFIG_KEYS) as LimitConfigKey[];

/** The server's caps: the most each limit key may ask for, and the shortest ticker_interval (0 always allowed). */
export type LimitCaps = Record<LimitConfigKey, number> & { min_ticker_interval: number };

/** One limit as a plugin runs with it: the value, the server's cap, and what the plugin asked for (if anything). */
export interface EffectiveLimitView {
  value: number;
  cap: number;
  asked?: number;
}
export type PluginLimitsView = Record<LimitConfigKey, EffectiveLimitView>;

/** Keys Hindsight or the platform give a meaning to; a user key may not reuse them. */
export const RESERVED_CONFIG_KEYS = [
  'message_matcher',
  'ticker_interval',
  'preserve_data',
  ...LIMIT_CONFIG_KEY_NAMES,
  'instruction_limit',
  'filename',
  'Logger',
  'Hostname',
  'Pid',
] as const;

const USER_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** What is wrong with a user key, or undefined when it is a good one. */
function userKeyProblem(key: string): string | undefined {
  if (!USER_KEY.test(key)) return 'Keys are letters, digits and _, starting with a letter or _';
  if ((LIMIT_CONFIG_KEY_NAMES as readonly string[]).includes(key)) return `Reserved: ${key} is a limit the server sets, not one of your keys`;
  if (key === 'instruction_limit') return "Reserved: instruction_limit is Hindsight's and ignored here (the server limits CPU time per call)";
  if ((RESERVED_CONFIG_KEYS as readonly string[]).includes(key)) return 'Reserved key; use the field above';
  return undefined;
}

export const userConfigValueSchema = z.union([z.string().max(4096), z.number().finite(), z.boolean()]);

const limitSchema = (key: LimitConfigKey) =>
  z
    .number({ error: `A whole number of ${LIMIT_CONFIG_KEYS[key].unit}` })
    .int(`A whole number of ${LIMIT_CONFIG_KEYS[key].unit}`)
    .min(LIMIT_CONFIG_KEYS[key].min, `At least ${LIMIT_CONFIG_KEYS[key].min} ${LIMIT_CONFIG_KEYS[key].unit}`)
    .optional();

export const pluginConfigSchema = z.object({
  ticker_interval: z.number().int('Whole seconds').min(0, 'At least 0').max(86_400, 'At most 86400 seconds'),
  preserve_data: z.boolean(),
  /** Less than the server's defaults, if the plugin wants (more is refused: withinLimitCaps). */
  cpu_limit_ms: limitSchema('cpu_limit_ms'),
  memory_limit: limitSchema('memory_limit'),
  output_limit: limitSchema('output_limit'),
  process_message_inject_limit: limitSchema('process_message_inject_limit'),
  timer_event_inject_limit: limitSchema('timer_event_inject_limit'),
  user: z
    .record(z.string(), userConfigValueSchema)
    .superRefine((record, ctx) => {
      for (const key of Object.keys(record)) {
        const problem = userKeyProblem(key);
        if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
      }
    })
    .refine((record) => Object.keys(record).length <= 64, 'At most 64 keys')
    .default({}),
});
export type PluginConfig = z.infer<typeof pluginConfigSchema>;

export const DEFAULT_PLUGIN_CONFIG: PluginConfig = { ticker_interval: 60, preserve_data: false, user: {} };

/**
 * A refinement for Test and Deploy: a limit key asking for more than the
 * server's cap, or a ticker_interval shorter than it allows, is an issue on
 * that field naming the value asked for and the cap.
 */
export function withinLimitCaps(caps: LimitCaps) {
  return (value: { config: PluginConfig }, ctx: z.RefinementCtx): void => {
    for (const key of LIMIT_CONFIG_KEY_NAMES) {
      const asked = value.config[key];
      if (asked !== undefined && asked > caps[key]) {
        ctx.addIssue({
          code: 'custom',
          path: ['config', key],
          message: `${key} asks for ${asked}, more than this server allows (at most ${caps[key]} ${LIMIT_CONFIG_KEYS[key].unit}); a plugin may ask for less, never more`,
        });
      }
    }
    const ticker = value.config.ticker_interval;
    if (ticker > 0 && ticker < caps.min_ticker_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['config', 'ticker_interval'],
        message: `${ticker} s is shorter than this server allows (at least ${caps.min_ticker_interval} s, or 0 for no timer events)`,
      });
    }
  };
}

/** The editor's contents: what Test Plugin runs and Deploy Plugin publishes. */
export const pluginDefinitionSchema = z.object({
  name: pluginNameSchema,
  matcher: matcherSchema,
  source: sourceSchema.min(1, 'Write the plugin code'),
  config: pluginConfigSchema,
});
export type PluginDefinition = z.infer<typeof pluginDefinitionSchema>;

export const runMatcherSchema = z.object({
  matcher: matcherSchema,
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(25),
});
export type RunMatcherRequest = z.infer<typeof runMatcherSchema>;

/** Drafts are saved as people type, so they may be incomplete: only sizes are checked. */
export const draftSchema = z.object({
  name: z.string().max(64),
  matcher: z.string().max(4096),
  source: sourceSchema,
  config: pluginConfigSchema,
});
export type DraftInput = z.infer<typeof draftSchema>;

export const pluginActionSchema = z.object({
  action: z.enum(['stop', 'restart']),
});
