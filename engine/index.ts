/** The Foresight engine's public face. Pure TypeScript: no Next, React or Prisma imports. */
export * from './message/index';
export * from './matcher/index';
export { OutputStore, OutputError, outputKey } from './outputs/index';
export type { OutputEntry, OutputEvent, OutputListener, OutputStoreOptions, OutputSummary } from './outputs/index';
export {
  Engine,
  EngineStoppedError,
  PluginLoadError,
  PluginNotFoundError,
  StartPositionError,
  PluginSpecError,
  validatePluginSpec,
  pluginId,
  parsePluginId,
  pluginLogger,
  testPlugin,
  IsolatedTestRunner,
  MatcherIndex,
} from './runtime/index';
export type {
  AnalysisWorkerInfo,
  EngineEvent,
  EngineListener,
  EngineOptions,
  PluginInfo,
  StartFrom,
  DeploySpec,
  DeployedPluginStats,
  PluginRecord,
  PluginState,
  PluginTermination,
  TestPluginInput,
  TestPluginOptions,
  TestPluginOutput,
  TestPluginResult,
  CallKind,
  IsolatedTestOptions,
} from './runtime/index';
export * from './log/index';
export * from './inputs/index';
