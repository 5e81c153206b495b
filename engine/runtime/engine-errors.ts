/** Refusals from the engine's plugin operations, each naming what is wrong. */

export class PluginNotFoundError extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`no plugin ${id} is deployed`);
    this.name = 'PluginNotFoundError';
    this.id = id;
  }
}

/** The plugin's code did not load (syntax error, top-level exception, limit): nothing was changed. */
export class PluginLoadError extends Error {
  readonly id: string;
  /** Line in the plugin's code, when the error names one. */
  readonly line: number | undefined;
  constructor(id: string, message: string, line?: number) {
    super(message);
    this.name = 'PluginLoadError';
    this.id = id;
    this.line = line;
  }
}

/** A backfill start (offset or time) outside what the stream retains. */
export class StartPositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartPositionError';
  }
}

export class EngineStoppedError extends Error {
  constructor() {
    super('the engine is stopped');
    this.name = 'EngineStoppedError';
  }
}
