/** What a plugin definition may hold; shared by the editor form and the route handlers. */
import { z } from 'zod';

/** Plugin names become part of `analysis.<user>.<plugin>.<name>.<type>`, so no dots. */
export const pluginNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the plugin a name')
  .max(64, 'At most 64 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'Start with a letter; then letters, digits, _ or -');

export const namespaceSchema = z.string().regex(/^[a-z0-9_]{1,128}$/, 'Not a namespace');

export const matcherSchema = z.string().trim().min(1, 'Enter a message matcher').max(4096, 'At most 4096 characters');

export const sourceSchema = z.string().max(256 * 1024, 'At most 256 KiB of code');

/** Keys Hindsight gives a meaning to; a user key may not reuse them. */
export const RESERVED_CONFIG_KEYS = [
  'message_matcher',
  'ticker_interval',
  'preserve_data',
  'output_limit',
  'memory_limit',
  'instruction_limit',
  'process_message_inject_limit',
  'timer_event_inject_limit',
  'filename',
  'Logger',
  'Hostname',
  'Pid',
] as const;

const userKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'Keys are letters, digits and _, starting with a letter or _')
  .refine((key) => !(RESERVED_CONFIG_KEYS as readonly string[]).includes(key), 'Reserved key; use the field above');

export const userConfigValueSchema = z.union([z.string().max(4096), z.number().finite(), z.boolean()]);

export const pluginConfigSchema = z.object({
  ticker_interval: z.number().int('Whole seconds').min(0, 'At least 0').max(86_400, 'At most 86400 seconds'),
  preserve_data: z.boolean(),
  user: z
    .record(userKeySchema, userConfigValueSchema)
    .refine((record) => Object.keys(record).length <= 64, 'At most 64 keys')
    .default({}),
});
export type PluginConfig = z.infer<typeof pluginConfigSchema>;

export const DEFAULT_PLUGIN_CONFIG: PluginConfig = { ticker_interval: 60, preserve_data: false, user: {} };

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
