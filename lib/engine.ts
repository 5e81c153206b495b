/**
 * The portal's view of the in-process engine. The custom server starts the
 * engine once and shares it with the (bundled) route handlers through a
 * globalThis singleton, like the database client and the socket.io server.
 * server.ts starts RuntimePortalEngine (lib/portal-engine.ts, the engine
 * runtime behind this interface) and sets it here; until then, and after
 * shutdown, routes that need the engine answer 503 "The engine is not
 * running". Route handlers import only this file, never the runtime itself.
 */
import type { MessageView } from './message-view';
import type { PluginConfig, PluginLimitsView } from './validations/plugin';

/** A matcher syntax error: what is wrong (without the position) and where (0-based character offset). */
export interface MatcherErrorView {
  message: string;
  position: number;
}

export interface MatcherRun {
  /** Messages in the engine's in-memory window when the run began. */
  windowSize: number;
  /** How many of them were scanned, newest first (all, unless cutShort). */
  scanned: number;
  /** How many of them matched. */
  matched: number;
  /** The page asked for: matches[offset .. offset + limit), newest first. */
  offset: number;
  messages: MessageView[];
  elapsedMs: number;
  /** The run stopped before the end of the window (its time budget, a cancelled request): why, and how far it got. */
  cutShort?: { reason: 'budget' | 'aborted' | 'busy' | 'failed'; message: string };
}

export type MatcherRunResult = ({ ok: true } & MatcherRun) | { ok: false; error: MatcherErrorView };

/** The user already has as much of this kind of work (Run Matcher, Test Plugin) going as allowed; nothing was started. Routes answer 429. */
export class EngineBusyError extends Error {
  override name = 'EngineBusyError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/**
 * Whether `err` is an EngineBusyError. Told by its name, not instanceof: the
 * engine side (loaded by server.ts) and the bundled route handlers each have
 * their own copy of this module, so the classes differ.
 */
export function isEngineBusy(err: unknown): err is EngineBusyError {
  return err instanceof Error && err.name === 'EngineBusyError' && typeof (err as Partial<EngineBusyError>).retryAfterMs === 'number';
}

export interface PluginDefinitionInput {
  /** The owner's namespace; the plugin runs as `<owner>.<name>`. */
  owner: string;
  name: string;
  source: string;
  matcher: string;
  config: PluginConfig;
}

export interface PluginOutputView {
  /** `analysis.<owner>.<plugin>.<name>.<type>` */
  name: string;
  type: string;
  content: string;
}

/** A plugin error located in its source (line and column 1-based). */
export interface PluginErrorView {
  message: string;
  line?: number;
  column?: number;
}

export interface PluginTestReport {
  /** True when nothing terminated the plugin: the text may be deployed. */
  passed: boolean;
  /** Set when the matcher did not compile; nothing ran. */
  matcherError?: MatcherErrorView;
  scanned: number;
  matched: number;
  processed: number;
  /** process_message() calls that returned -1 (with their reasons, grouped). */
  failures: { message: string; count: number }[];
  outputs: PluginOutputView[];
  /** What the plugin printed (debug output). */
  debug: string[];
  injected: MessageView[];
  /** Why the plugin was terminated (compile error, exception, limit), with its line. */
  termination?: PluginErrorView & { phase: 'load' | 'process_message' | 'timer_event' };
  elapsedMs: number;
}

export type PluginState = 'running' | 'stopped' | 'terminated' | 'deploying';

export interface PluginStats {
  /** `<owner>.<name>` */
  id: string;
  state: PluginState;
  processed: number;
  /** Messages per second over the last few seconds. */
  rate: number;
  failures: number;
  memoryBytes: number;
  maxMemoryBytes: number;
  avgProcessNs: number;
  avgTimerNs: number;
  /** The limits it runs with (asked for, else the default, never above the server's cap). */
  limits?: PluginLimitsView;
  error?: PluginErrorView & { at: string };
}

export interface OutputSummary {
  name: string;
  /** `<owner>.<name>` of the plugin that wrote it. */
  plugin: string;
  bytes: number;
  updatedAt: string;
  /** The plugin is stopped or gone: the content no longer changes. */
  stale: boolean;
}

export interface OutputContent extends OutputSummary {
  content: string;
}

/** How an ingest body is framed: NDJSON of Heka JSON, or Hindsight framed protobuf. */
export type IngestFormat = 'ndjson' | 'hindsight';

/** A rejected NDJSON line (1-based) or Hindsight record (1-based, with its byte offset) and why. */
export type IngestRejection = { line: number; reason: string } | { record: number; byte?: number; reason: string };

export interface IngestReport {
  /** Messages appended to the stream, all durable. */
  accepted: number;
  /** Lines or records rejected, all counted. */
  rejected: number;
  /** The first `maxErrors` rejections with reasons. */
  errors: IngestRejection[];
  /** Rejections counted in `rejected` but left out of `errors`. */
  errorsOmitted: number;
}

/**
 * The stream refused the whole batch (nothing was appended): DISK_FULL and
 * OVERLOADED are back-pressure worth retrying after `retryAfterMs`;
 * UNAVAILABLE is any other write failure or a stream that is shutting down.
 */
export interface IngestRefusal {
  code: 'DISK_FULL' | 'OVERLOADED' | 'UNAVAILABLE';
  message: string;
  retryAfterMs: number;
}

export type IngestResult = ({ ok: true } & IngestReport) | { ok: false; refusal: IngestRefusal };

/** The engine at a glance, for the admins' Engine panel; rates come from two readings (see lib/engine-rates.ts). */
export interface EngineStatus {
  /** When this was read, ms since the epoch. */
  at: number;
  stream: {
    /** Offsets of the oldest message kept on disk and of the next one to arrive. */
    firstOffset: number;
    nextOffset: number;
    /** The log's size on disk and its segment files. */
    bytes: number;
    segments: number;
    /** Messages appended and refused since the engine started. */
    ingested: number;
    rejected: number;
    /** Recent messages held in memory (what Run Matcher and Test Plugin read). */
    window: number;
    windowCapacity: number;
  };
  /** The analysis worker threads. */
  workers: {
    index: number;
    plugins: number;
    /** Milliseconds its event loop has worked since it started. */
    activeMs: number;
    /** CPU milliseconds it has used, where the OS tells (Linux). */
    cpuMs?: number;
  }[];
}

export interface PortalEngine {
  /** Appends a body's valid messages to the live stream as one batch (all or none). */
  ingest(request: { format: IngestFormat; body: Uint8Array; maxErrors: number }): Promise<IngestResult>;
  /** Run Matcher for `owner` (default 'anonymous'; one at a time per owner, a second throws EngineBusyError); `signal` aborts it (the client went away). */
  runMatcher(request: { owner?: string; matcher: string; offset: number; limit: number; signal?: AbortSignal }): Promise<MatcherRunResult>;
  /** Test Plugin, shared fairly between owners; throws EngineBusyError when the owner already has as many runs going and waiting as allowed. */
  testPlugin(definition: PluginDefinitionInput): Promise<PluginTestReport>;
  /** Starts or replaces `<owner>.<name>` (no gap in its data); throws with a readable message on failure. */
  deployPlugin(definition: PluginDefinitionInput): Promise<void>;
  stopPlugin(id: string): Promise<void>;
  restartPlugin(id: string): Promise<void>;
  deletePlugin(id: string): Promise<void>;
  pluginStats(): PluginStats[];
  listOutputs(): OutputSummary[];
  readOutput(name: string): OutputContent | null;
  engineStatus(): EngineStatus;
  close(): Promise<void>;
}

const globalForEngine = globalThis as unknown as { foresightEngine?: PortalEngine | null };

/** The running engine, or null while it is not connected. */
export function getEngine(): PortalEngine | null {
  return globalForEngine.foresightEngine ?? null;
}

export function setEngine(engine: PortalEngine | null): void {
  globalForEngine.foresightEngine = engine;
}
