/**
 * The plugin sandbox's public face: each analysis plugin runs in its own
 * QuickJS instance with the JavaScript edition of Hindsight's analysis API
 * (plugin-api.d.ts is what plugin authors see).
 *
 * ```ts
 * const plugin = await createPlugin({ owner: 'ana', name: 'counts', source, config: {} });
 * if (plugin.terminated) console.error(plugin.terminated.error); // e.g. a syntax error
 * const r = plugin.processMessages(messages); // r.processed, r.failures, r.outputs, r.terminated ...
 * plugin.timerEvent(Date.now() * 1e6, false);
 * const state = plugin.saveState();           // with config preserve_data = true
 * plugin.dispose();
 * ```
 */
export { createPlugin, PluginSandbox, BATCH_SIZE, messageListForm } from './plugin-sandbox';
export type { PluginSpec, HostIdentity, ConfigValue } from './plugin-sandbox';
export { DEFAULT_LIMITS, limitsFromConfig, resolveLimits } from './limits';
export type { PluginLimits } from './limits';
export type { BatchResult, CallResult, PluginOutput, PluginStats } from './results';
export { PLUGIN_TEMPLATE } from './template';
