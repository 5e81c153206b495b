/**
 * The plugin sandbox's public face: each analysis plugin runs in its own
 * QuickJS Wasm instance with the JavaScript edition of Hindsight's analysis
 * API (plugin-api.d.ts is what plugin authors see; template.ts the starter).
 *
 * ```ts
 * const plugin = await createPlugin({ owner: 'ana', name: 'counts', source, config: {} });
 * if (plugin.terminated) console.error(plugin.terminated.error); // e.g. "plugin.js:3:7: SyntaxError: ..."
 * const r = plugin.processMessages(messages); // r.processed, r.failures, r.outputs, r.injected, r.debug, r.terminated
 * plugin.timerEvent(Date.now() * 1e6, false);
 * const state = plugin.saveState();           // with config preserve_data = true
 * plugin.dispose();
 * ```
 *
 * Decisions worth knowing:
 * - Messages run in batches of BATCH_SIZE with one host->VM crossing each;
 *   results are exactly those of feeding them one by one (plugin-sandbox.ts).
 * - read_message gives BYTES values, "raw" and "framed" as Uint8Array, and
 *   INTEGER values as numbers (rounded beyond 2^53, as in Lua).
 * - Termination messages keep Hindsight's shape with the plugin's line:
 *   `process_message() plugin.js:12: ReferenceError: 'x' is not defined`;
 *   a limit names its configuration key, `process_message() plugin.js:7:
 *   cpu_limit_ms exceeded` (also memory_limit, output_limit, the inject
 *   limits), with the line QuickJS can give (termination.ts limitLocation).
 * - Limits: DEFAULT_LIMITS, overridden by the config's Hindsight keys
 *   (limitsFromConfig) and then by PluginSpec.limits. The memory cap is the
 *   plugin's Wasm memory maximum, never below the module's 16 MiB minimum
 *   (about 10.7 MiB of heap), so limits below that act as about 10.7 MiB.
 * - A plugin that nests a structure deeper than the host stack and hands it
 *   to a recursive built-in (JSON.stringify) overflows Node's stack inside
 *   Wasm; its instance is discarded and the plugin terminated, others are
 *   unaffected.
 */
export { createPlugin, PluginSandbox, BATCH_SIZE, messageListForm } from './plugin-sandbox';
export type { PluginSpec, HostIdentity, ConfigValue } from './plugin-sandbox';
export { DEFAULT_LIMITS, limitsFromConfig, resolveLimits } from './limits';
export type { PluginLimits } from './limits';
export type { BatchResult, CallResult, PluginOutput, PluginStats } from './results';
export { PLUGIN_TEMPLATE } from './template';
