/**
 * The runtime's public face: the Engine (stream + analysis workers + outputs
 * + sample stream under one data directory), the plugin operations' types
 * and errors, and testPlugin() for one-off runs (Test Plugin, the CLI).
 *
 *   const engine = await Engine.start({ dataDir, workers: 2, sampleStream: { rate: 100 } });
 *   await engine.deploy({ owner, name, code, config: { message_matcher: "Type == 'x'" } });
 *   engine.plugins(); engine.stats(); engine.workers(); engine.on((event) => ...);
 *   engine.outputs.list(); engine.outputs.onChange((event) => ...);
 *   await engine.stopPlugin(id); await engine.startPlugin(id, { from: { offset: 0 } });
 *   await engine.stop();
 */
export { Engine } from './engine';
export type { AnalysisWorkerInfo, EngineEvent, EngineListener, EngineOptions, PluginInfo, StartFrom } from './engine';
export { EngineStoppedError, PluginLoadError, PluginNotFoundError, StartPositionError } from './engine-errors';
export { PluginSpecError, validatePluginSpec, pluginId, parsePluginId, pluginLogger } from './plugin-spec';
export { DEFAULT_LIMIT_CAPS, LIMIT_KEYS, effectiveLimits, resolveLimitCaps } from './plugin-spec';
export type { EffectiveLimit, LimitCaps, LimitKey } from './plugin-spec';
// Named apart from the sandbox's own PluginSpec / PluginStats (what one sandbox runs and counts).
export type { PluginSpec as DeploySpec } from './plugin-spec';
export type { PluginRecord, PluginState, PluginTermination } from './plugin-registry';
export type { PluginStats as DeployedPluginStats } from './plugin-stats';
export { testPlugin } from './test-plugin';
export { IsolatedTestRunner, DEFAULT_TEST_BUDGET_MS } from './isolated-test-runner';
export type { IsolatedTestOptions, IsolatedTestRunnerOptions } from './isolated-test-runner';
export { PoolBusyError } from './fair-worker-pool';
export { DEFAULT_MATCHER_BUDGET_MS } from './window-matcher';
export type { WindowMatch, WindowMatchRequest, WindowMatcherOptions } from './window-matcher';
export type { TestPluginInput, TestPluginOptions, TestPluginOutput, TestPluginResult, CallKind } from './test-plugin';
export { MatcherIndex } from './matcher-index';
