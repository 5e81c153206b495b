/**
 * One analysis plugin in its own QuickJS instance: loading, batches of
 * process_message() calls, timer_event(), limits, preserve_data.
 *
 * Batches. A host<->VM crossing costs several microseconds, so messages are
 * run in batches of up to BATCH_SIZE with one crossing per batch: the host
 * sends the values of the read_message() keys the plugin is known to read as
 * columns (columns.ts), and the driver (driver-source.ts) calls
 * process_message() once per message in order, serving read_message() from
 * the columns and falling back to a host callback for anything else (which
 * teaches the host the key: from then on it is a column, sent at once for the
 * rest of the batch and with every later batch). Host callbacks skip
 * quickjs-emscripten's general call path (direct-host-calls.ts). A termination stops the batch
 * at that message, so outputs, injections, debug lines and plugin state are
 * exactly as if messages had been fed one at a time.
 *
 * Deadlines. Hindsight's instruction_limit is per call; here each message of
 * a batch keeps its own cpuMsPerCall budget. The driver writes the current
 * message index to `st.i` (one property store per message); QuickJS calls the
 * interrupt handler every few thousand operations, and the handler, when a
 * quarter budget has passed since it last looked (or the budget is exceeded),
 * reads st.i: a new index means a new message started, and its clock starts
 * then. A message is interrupted once it has run for more than its budget
 * since it was first seen, so a message gets between 1 and about 1.25 budgets
 * (never less than one), however many messages precede it in the batch.
 *
 * Memory. The Wasm memory maximum is the hard cap (quickjs-module.ts); QuickJS's
 * own limit refuses any single allocation larger than memoryBytes. Reaching
 * the cap terminates the call as "memory_limit exceeded" at the next interrupt
 * check, even if the plugin catches the error; until then every allocation
 * fails at once (QuickJS's limit drops to nothing), so a plugin that catches
 * out-of-memory errors and keeps trying gets to that check quickly instead of
 * spending seconds failing large allocations between two checks. (A message
 * that swallows the error and returns before the check leaves the rest of its
 * batch unable to allocate, so the termination lands on the next message that
 * tries: the one place where a batch differs from feeding messages one by one.)
 */
import { hostname as osHostname } from 'node:os';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { presentHeaders, uuidToHex } from '../message/fields';
import { messageFromJSON } from '../message/json';
import { MessageError, type Message } from '../message/message';
import { decodeMessage, utf8Length } from '../message/protobuf';
import { encodeColumns, type LearnedKey } from './columns';
import { callHostFunctionsDirectly } from './direct-host-calls';
import { KeptStrings } from './kept-strings';
import { DRIVER_FILENAME, DRIVER_SOURCE } from './driver-source';
import { resolveLimits, type PluginLimits } from './limits';
import { newPluginModule, type PluginMemory } from './quickjs-module';
import { columnKey, parseReadName, readValue, type ReadTarget } from './read-message';
import {
  emptyBatchResult,
  emptyCallResult,
  type BatchResult,
  type CallResult,
  type PluginOutput,
  type PluginStats,
} from './results';
import { decodeTagged, encodeTagged, TaggedValueError } from './tagged-value';
import {
  callPrefix,
  clip,
  CPU_LIMIT_EXCEEDED,
  formatAt,
  formatException,
  limitLocation,
  MEMORY_LIMIT_EXCEEDED,
  OUTPUT_LIMIT_EXCEEDED,
  parseDescription,
  pluginLocation,
  type CallName,
  type ErrorDescription,
} from './termination';

/** Messages per VM crossing. */
export const BATCH_SIZE = 1000;
/** read_message() keys sent as columns at most; further keys use the host callback. */
const MAX_LEARNED_KEYS = 32;
/**
 * How stale the heap figure may get. Measuring walks the whole QuickJS heap
 * (about a millisecond per few MiB), too much to do for every stats() of
 * every plugin.
 */
const MEMORY_SAMPLE_INTERVAL_MS = 5000;

/** Who the host says it is in injected messages; overridable for tests and the portal. */
export interface HostIdentity {
  hostname: string;
  pid: number;
  /** Current time in ns since the epoch. */
  now: () => bigint;
}

export type ConfigValue = string | number | boolean;

export interface PluginSpec {
  /** The plugin's owner; with name, gives the Logger `analysis.<owner>.<name>`. */
  owner: string;
  name: string;
  /** JavaScript, run as a classic script (see plugin-api.d.ts for what a plugin sees). */
  source: string;
  /** Shown in error locations; default "plugin.js". */
  filename?: string;
  /** What read_config() returns; Hindsight limit keys (memory_limit, ...) also set limits. */
  config: Record<string, ConfigValue>;
  /** Explicit limits, over DEFAULT_LIMITS and the config's. */
  limits?: Partial<PluginLimits>;
  /** A saveState() result to restore after the source has run (only when config preserve_data is true). */
  preservedState?: string;
  host?: Partial<HostIdentity>;
}

interface Deadline {
  budget: number;
  /** Batch mode: follow st.i so each message gets its own budget. */
  perMessage: boolean;
  /** When the current call (message) was first seen running. */
  start: number;
  index: number;
  lastCheck: number;
  hit: boolean;
}

/** The sink of whatever the running call produces. */
interface CallContext {
  name: CallName;
  outputs: PluginOutput[];
  injected: Message[];
  debug: string[];
  /** Batch messages, for process_message calls. */
  messages?: readonly Message[];
  /** Debug bytes so far, across the messages of a batch. */
  debugBytes: number;
}

/** Debug output one batch may keep, in units of outputBytes (1 MiB by default). */
const BATCH_DEBUG_OUTPUTS = 16;

/** A value passed from the VM to a host function, or the kind of a non-primitive one. */
type VmArg = string | number | boolean | bigint | undefined | null | { nonPrimitive: string };

export async function createPlugin(spec: PluginSpec): Promise<PluginSandbox> {
  return PluginSandbox.create(spec);
}

export class PluginSandbox {
  readonly logger: string;
  readonly filename: string;
  readonly limits: PluginLimits;
  /** Problems that did not stop the plugin: state not restored, let/const state, a failed save. */
  readonly warnings: string[] = [];
  /** What the plugin's top-level code printed or emitted while loading. */
  readonly loadResult: CallResult = emptyCallResult();

  private readonly preserveData: boolean;
  private readonly identity: HostIdentity;
  private readonly heap: PluginMemory;
  private readonly rt: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  private entry:
    | Record<'run' | 'timer' | 'save' | 'restore' | 'describe' | 'where' | 'fatal' | 'addColumns' | 'st', QuickJSHandle>
    | undefined;

  private terminatedState: { error: string; at: Date } | undefined;
  /** The Wasm instance failed (trap/abort): never touch it again. */
  private dead = false;
  private disposed = false;

  private readonly learned = new Map<string, ReadTarget>();
  /** this.learned as encodeColumns takes it; rebuilt when a key is learned. */
  private learnedList: LearnedKey[] | undefined;
  /** The column strings the VM keeps between batches. */
  private readonly kept: KeptStrings;
  private call: CallContext | undefined;
  private deadline: Deadline | undefined;
  private fatal: string | undefined;
  /** `fatal` is the memory limit noted by the interrupt handler, still without the plugin's line. */
  private fatalUnlocated = false;
  private payloadParts: string[] = [];
  private payloadBytes = 0;
  /** Call (message index, or -1) the payload buffer, inject count and debug count belong to. */
  private owner = -2;
  private injectCount = 0;
  private debugBytes = 0;
  private debugTruncated = false;

  private counters = {
    processed: 0,
    failures: 0,
    maxMemoryBytes: 0,
    maxOutputBytes: 0,
    injectedMessages: 0,
    injectedPayloads: 0,
    timerEvents: 0,
    processNsTotal: 0,
    timerNsTotal: 0,
  };
  private lastMemorySample = -Infinity;
  private memorySample = 0;

  private constructor(spec: ValidSpec, module: QuickJSWASMModule, heap: PluginMemory) {
    this.logger = `analysis.${spec.owner}.${spec.name}`;
    this.filename = spec.filename;
    this.limits = spec.limits;
    this.kept = new KeptStrings(Math.max(16 * 1024, this.limits.memoryBytes / 32));
    this.preserveData = spec.config.preserve_data === true;
    this.identity = {
      hostname: spec.host?.hostname ?? osHostname(),
      pid: spec.host?.pid ?? process.pid,
      now: spec.host?.now ?? (() => BigInt(Date.now()) * 1_000_000n),
    };
    this.heap = heap;
    this.rt = module.newRuntime();
    heap.onExhausted = () => this.rt.setMemoryLimit(1);
    this.rt.setMemoryLimit(this.limits.memoryBytes);
    this.rt.setMaxStackSize(this.limits.stackBytes);
    this.rt.setInterruptHandler(() => this.onInterrupt());
    // No Promise: plugins are synchronous like Lua ones, and pending jobs would never run.
    this.ctx = this.rt.newContext({
      intrinsics: {
        BaseObjects: true,
        Date: true,
        Eval: true,
        StringNormalize: true,
        RegExp: true,
        JSON: true,
        Proxy: true,
        MapSet: true,
        TypedArrays: true,
        BigInt: true,
      },
    });
    callHostFunctionsDirectly(this.ctx);
  }

  static async create(input: PluginSpec): Promise<PluginSandbox> {
    const spec = validateSpec(input);
    const { module, heap } = await newPluginModule(spec.limits.memoryBytes);
    const sandbox = new PluginSandbox(spec, module, heap);
    sandbox.guard(() => {
      sandbox.installDriver(spec.config);
      sandbox.load(spec.source, spec.preservedState);
    }, 'load');
    return sandbox;
  }

  /** Set once the plugin was terminated; it runs nothing after that. */
  get terminated(): { error: string; at: Date } | undefined {
    return this.terminatedState;
  }

  // ------------------------------------------------------------------ process_message

  /** Run process_message() once per message, in order; see BatchResult. */
  processMessages(messages: readonly Message[]): BatchResult {
    const result = emptyBatchResult();
    if (this.terminatedState || this.disposed) {
      result.terminated = { index: 0, error: this.terminatedState?.error ?? 'the plugin was disposed' };
      return result;
    }
    const t0 = performance.now();
    for (let offset = 0; offset < messages.length && !result.terminated; offset += BATCH_SIZE) {
      // A batch the size of one crossing (the engine's usual) goes as it is, without a copy.
      const chunk = messages.length <= BATCH_SIZE ? messages : messages.slice(offset, offset + BATCH_SIZE);
      this.guard(() => this.runChunk(chunk, offset, result), 'process_message', (error) => {
        // Earlier chunks ran whole, so result.processed is where this one began.
        result.terminated ??= { index: result.processed, error };
      });
    }
    this.counters.processed += result.processed;
    this.counters.failures += result.failures.length;
    this.counters.processNsTotal += Math.round((performance.now() - t0) * 1e6);
    if (!this.dead) this.sampleMemory();
    return result;
  }

  private runChunk(messages: readonly Message[], offset: number, result: BatchResult): void {
    const ctx = this.ctx;
    const entry = this.entry!;
    const n = messages.length;
    this.learnedList ??= [...this.learned].map(([key, target]): LearnedKey => ({ key, target }));
    const columns = encodeColumns(messages, this.learnedList, Math.max(64 * 1024, this.limits.memoryBytes / 8), this.kept);
    const call = this.beginCall('process_message', messages);
    const args = [
      ctx.newNumber(n),
      ctx.newString(columns.meta),
      ctx.newString(columns.strings),
      ctx.newArrayBuffer(columns.buffer),
    ];
    const deadline = this.arm(true);
    let r;
    try {
      r = ctx.callFunction(entry.run, ctx.undefined, args);
    } finally {
      this.deadline = undefined;
      for (const a of args) a.dispose();
    }
    // Messages and failures are reported in batch indexes.
    const flush = (): void => {
      for (const o of call.outputs) {
        if (o.index !== undefined) o.index += offset;
        result.outputs.push(o);
      }
      for (const m of call.injected) result.injected.push(m);
      for (const line of call.debug) result.debug.push(line);
    };
    if (r.error) {
      const stop = this.readIndex();
      this.collectFailures(result, offset);
      result.processed += Math.max(0, stop);
      const error = this.callError(r.error, 'process_message', deadline);
      r.error.dispose();
      flush();
      this.terminate(error);
      result.terminated = { index: offset + Math.max(0, stop), error };
      this.endCall();
      return;
    }
    const ret = ctx.getNumber(r.value);
    r.value.dispose();
    const stop = ret < 0 ? -1 - ret : ret;
    if (ret < 0) this.collectFailures(result, offset);
    result.processed += stop;
    flush();
    if (stop < n) {
      const error = this.stopReason('process_message');
      this.terminate(error);
      result.terminated = { index: offset + stop, error };
    }
    this.endCall();
  }

  private collectFailures(result: BatchResult, offset: number): void {
    const text = this.stString('fails');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const space = line.indexOf(' ');
      const index = Number(space < 0 ? line : line.slice(0, space));
      let reason = '';
      if (space >= 0) {
        try {
          reason = clip(String(JSON.parse(line.slice(space + 1))));
        } catch {
          reason = '';
        }
      }
      result.failures.push({ index: offset + index, reason });
    }
  }

  /** Why run() or timer() stopped early, from st.code. */
  private stopReason(call: CallName, code = this.stNumber('code')): string {
    switch (code) {
      case 1:
        return this.describeStError(call);
      case 2: {
        let why = '';
        try {
          why = String(JSON.parse(this.stString('msg')));
        } catch {
          why = '';
        }
        return clip(`${call}() received a termination status code${why ? `: ${why}` : ''}`);
      }
      case 3:
        return `${call}() must return a numeric status code`;
      case 4:
        return this.fatal ?? `${call}() a limit was exceeded`;
      case 5:
        return `${call}() function was not found`;
      case 6:
        return `${call}() must return a string error message, e.g. [-1, "why"]`;
      case 7:
        return this.memoryLimitMessage(call, this.stErrorStack());
      default:
        return `${call}() stopped for an unknown reason (${code})`;
    }
  }

  // ------------------------------------------------------------------ timer_event

  /** Call timer_event(ns, shutdown). */
  timerEvent(ns: number, shutdown: boolean): CallResult {
    if (typeof ns !== 'number' || typeof shutdown !== 'boolean') {
      throw new TypeError('timerEvent(ns, shutdown) takes a number of nanoseconds and a boolean');
    }
    const result = emptyCallResult();
    if (this.terminatedState || this.disposed) {
      result.terminated = { error: this.terminatedState?.error ?? 'the plugin was disposed' };
      return result;
    }
    const t0 = performance.now();
    this.guard(
      () => {
        const ctx = this.ctx;
        const call = this.beginCall('timer_event');
        const args = [ctx.newNumber(ns), shutdown ? ctx.true : ctx.false];
        const deadline = this.arm(false);
        let r;
        try {
          r = ctx.callFunction(this.entry!.timer, ctx.undefined, args);
        } finally {
          this.deadline = undefined;
          args[0].dispose();
        }
        let error: string | undefined;
        if (r.error) {
          error = this.callError(r.error, 'timer_event', deadline);
          r.error.dispose();
        } else {
          const code = ctx.getNumber(r.value);
          r.value.dispose();
          if (code !== 0) error = this.stopReason('timer_event', code);
        }
        result.outputs = call.outputs;
        result.injected = call.injected;
        result.debug = call.debug;
        if (error !== undefined) {
          this.terminate(error);
          result.terminated = { error };
        }
        this.endCall();
      },
      'timer_event',
      (error) => {
        result.terminated ??= { error };
      },
    );
    this.counters.timerEvents++;
    this.counters.timerNsTotal += Math.round((performance.now() - t0) * 1e6);
    if (!this.dead) this.sampleMemory();
    return result;
  }

  // ------------------------------------------------------------------ preserve_data

  /**
   * The plugin's global state as text, for createPlugin({preservedState}).
   * Undefined unless config preserve_data is true, and after termination
   * (Hindsight does not save a terminated plugin's state). A failed save adds
   * a warning and returns undefined.
   */
  saveState(): string | undefined {
    if (!this.preserveData || this.terminatedState || this.disposed || this.dead) return undefined;
    let state: string | undefined;
    this.guard(
      () => {
        const ctx = this.ctx;
        this.beginCall('save');
        // The state text is built in the VM heap; give it room beyond the plugin's own limit.
        this.rt.setMemoryLimit(this.limits.memoryBytes * 4);
        const deadline = this.arm(false);
        let r;
        try {
          r = ctx.callFunction(this.entry!.save, ctx.undefined);
        } finally {
          this.deadline = undefined;
          this.rt.setMemoryLimit(this.limits.memoryBytes);
        }
        if (r.error) {
          const why = deadline.hit ? formatAt('save', undefined, CPU_LIMIT_EXCEEDED, this.filename) : this.describeError(r.error, 'save');
          r.error.dispose();
          this.warnings.push(`preserve_data: the state could not be saved: ${why}`);
        } else {
          state = ctx.getString(r.value);
          r.value.dispose();
        }
        this.endCall();
      },
      'save',
      (error) => this.warnings.push(`preserve_data: the state could not be saved: ${error}`),
    );
    return state;
  }

  // ------------------------------------------------------------------ stats, dispose

  stats(): PluginStats {
    const memoryBytes = this.dead || this.disposed ? 0 : this.sampleMemory();
    return {
      ...this.counters,
      memoryBytes,
      wasmMemoryBytes: this.disposed ? 0 : this.heap.memory.buffer.byteLength,
      learnedKeys: [...this.learned.keys()].map((k) => k.replaceAll('\u0000', ',')),
    };
  }

  /** Free the QuickJS instance. The sandbox answers every later call as terminated. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.dead) return;
    try {
      if (this.entry) for (const h of Object.values(this.entry)) h.dispose();
      this.entry = undefined;
      this.ctx.dispose();
      this.rt.dispose();
    } catch {
      // A failed instance is dropped whole with its Wasm memory.
    }
  }

  // ------------------------------------------------------------------ loading

  private installDriver(config: Record<string, ConfigValue>): void {
    const ctx = this.ctx;
    const install = ctx.evalCode(DRIVER_SOURCE, DRIVER_FILENAME, { type: 'global', strict: true });
    if (install.error) {
      const d = ctx.dump(install.error) as unknown;
      install.error.dispose();
      throw new Error(`the sandbox driver failed to load: ${JSON.stringify(d)}`);
    }
    const host = ctx.newObject();
    const fns: [string, (...args: QuickJSHandle[]) => QuickJSHandle | void][] = [
      ['slow', (...a) => this.hostReadMessage(a)],
      ['add', (...a) => this.hostAddToPayload(a)],
      ['payload', (...a) => this.hostInjectPayload(a)],
      ['inject', (...a) => this.hostInjectMessage(a)],
      ['print', (...a) => this.hostPrint(a)],
      ['decode', (...a) => this.hostDecodeMessage(a)],
    ];
    for (const [name, fn] of fns) {
      // Named so tests can prove no host function is reachable from plugin code.
      const f = ctx.newFunction(`foresight_host_${name}`, fn);
      ctx.setProp(host, name, f);
      f.dispose();
    }
    const configText = ctx.newString(
      JSON.stringify({ Logger: this.logger, Hostname: this.identity.hostname, Pid: this.identity.pid, ...config }),
    );
    const r = ctx.callFunction(install.value, ctx.undefined, host, configText);
    install.value.dispose();
    host.dispose();
    configText.dispose();
    const entry = ctx.unwrapResult(r);
    this.entry = {
      run: ctx.getProp(entry, 'run'),
      timer: ctx.getProp(entry, 'timer'),
      save: ctx.getProp(entry, 'save'),
      restore: ctx.getProp(entry, 'restore'),
      describe: ctx.getProp(entry, 'describe'),
      where: ctx.getProp(entry, 'where'),
      fatal: ctx.getProp(entry, 'fatal'),
      addColumns: ctx.getProp(entry, 'addColumns'),
      st: ctx.getProp(entry, 'st'),
    };
    entry.dispose();
  }

  private load(source: string, preservedState: string | undefined): void {
    const ctx = this.ctx;
    const call = this.beginCall('load');
    const deadline = this.arm(false);
    let r;
    try {
      r = ctx.evalCode(source, this.filename, { type: 'global' });
    } finally {
      this.deadline = undefined;
    }
    let error: string | undefined;
    if (r.error) {
      error = this.callError(r.error, 'load', deadline);
      r.error.dispose();
    } else {
      r.value.dispose();
    }
    this.loadResult.outputs = call.outputs;
    this.loadResult.injected = call.injected;
    this.loadResult.debug = call.debug;
    this.endCall();
    this.recoverMemoryLimit();
    if (error !== undefined) {
      this.terminate(error);
      this.loadResult.terminated = { error };
      return;
    }
    if (!this.hasFunction('process_message')) {
      this.warnings.push('process_message is not defined: the plugin will be terminated when a message arrives');
    }
    if (this.preserveData) this.warnLexicalState(source);
    if (preservedState !== undefined) {
      if (this.preserveData) this.restore(preservedState);
      else this.warnings.push('preserve_data: a preserved state was given but config preserve_data is not true; ignored');
    }
  }

  private restore(text: string): void {
    const ctx = this.ctx;
    this.beginCall('restore');
    this.rt.setMemoryLimit(this.limits.memoryBytes * 4);
    const arg = ctx.newString(text);
    const deadline = this.arm(false);
    let r;
    try {
      r = ctx.callFunction(this.entry!.restore, ctx.undefined, arg);
    } finally {
      this.deadline = undefined;
      this.rt.setMemoryLimit(this.limits.memoryBytes);
      arg.dispose();
    }
    if (r.error) {
      const why = deadline.hit ? formatAt('restore', undefined, CPU_LIMIT_EXCEEDED, this.filename) : this.describeError(r.error, 'restore');
      r.error.dispose();
      this.warnings.push(`preserve_data: the saved state was not restored, starting fresh: ${why}`);
    } else {
      const warnings = ctx.getString(r.value);
      r.value.dispose();
      for (const w of warnings.split('\n')) if (w) this.warnings.push(`preserve_data: ${w}`);
    }
    this.endCall();
  }

  private hasFunction(name: 'process_message'): boolean {
    this.arm(false);
    try {
      const r = this.ctx.evalCode(`typeof ${name} === 'function'`, 'foresight-check.js');
      if (r.error) {
        r.error.dispose();
        return false;
      }
      const ok = this.ctx.dump(r.value) === true;
      r.value.dispose();
      return ok;
    } finally {
      this.deadline = undefined;
    }
  }

  /** Top-level let/const are not globalThis properties, so preserve_data cannot see them. */
  private warnLexicalState(source: string): void {
    const names = new Set<string>();
    for (const m of source.matchAll(/^(?:let|const)\s+([A-Za-z_$][\w$]*)\s*=/gm)) names.add(m[1]);
    for (const name of names) {
      if (name === 'process_message' || name === 'timer_event') continue;
      this.warnings.push(
        `preserve_data: top-level "${name}" is declared with let/const, so it is not saved; declare state with var`,
      );
    }
  }

  // ------------------------------------------------------------------ calls, limits, termination

  private beginCall(name: CallName, messages?: readonly Message[]): CallContext {
    this.call = { name, outputs: [], injected: [], debug: [], messages, debugBytes: 0 };
    this.fatal = undefined;
    this.fatalUnlocated = false;
    this.recoverMemoryLimit();
    this.owner = -2;
    this.payloadParts = [];
    this.payloadBytes = 0;
    return this.call;
  }

  /** After the cap was hit QuickJS's limit is down to nothing until the next call. */
  private recoverMemoryLimit(): void {
    if (!this.heap.exhausted) return;
    this.heap.exhausted = false;
    this.rt.setMemoryLimit(this.limits.memoryBytes);
  }

  private endCall(): void {
    this.call = undefined;
    this.payloadParts = [];
    this.payloadBytes = 0;
  }

  /** Payload buffer, inject count and debug budget are per call: reset when a new message's call begins. */
  private enterCall(index: number): void {
    if (index === this.owner) return;
    this.owner = index;
    this.payloadParts = [];
    this.payloadBytes = 0;
    this.injectCount = 0;
    this.debugBytes = 0;
    this.debugTruncated = false;
  }

  /** Start the deadline of a call (or, perMessage, of each message of a batch); cleared by setting this.deadline undefined. */
  private arm(perMessage: boolean): Deadline {
    const now = performance.now();
    this.deadline = {
      budget: this.limits.cpuMsPerCall,
      perMessage,
      start: now,
      index: 0,
      lastCheck: now,
      hit: false,
    };
    return this.deadline;
  }

  private onInterrupt(): boolean {
    const d = this.deadline;
    if (d === undefined) return false;
    // A limit was exceeded: the call is over even if the plugin caught the error.
    if (this.fatal !== undefined) return true;
    if (this.heap.exhausted) {
      this.rt.setMemoryLimit(this.limits.memoryBytes); // reading st.i below allocates
      // Located once the call has returned, from the stack of the error this interrupt raises.
      this.fatal = formatAt(this.call?.name ?? 'load', undefined, MEMORY_LIMIT_EXCEEDED, this.filename);
      this.fatalUnlocated = true;
      return true;
    }
    const t = performance.now();
    if (d.perMessage && (t - d.lastCheck >= d.budget / 4 || t - d.start > d.budget)) {
      d.lastCheck = t;
      const i = this.readIndex();
      if (i !== d.index) {
        d.index = i;
        d.start = t;
        return false;
      }
    }
    if (t - d.start > d.budget) {
      d.hit = true;
      return true;
    }
    return false;
  }

  private readIndex(): number {
    try {
      return this.stNumber('i');
    } catch {
      return this.deadline?.index ?? 0;
    }
  }

  private stNumber(key: string): number {
    const h = this.ctx.getProp(this.entry!.st, key);
    try {
      return this.ctx.typeof(h) === 'number' ? this.ctx.getNumber(h) : -1;
    } finally {
      h.dispose();
    }
  }

  private stString(key: string): string {
    const h = this.ctx.getProp(this.entry!.st, key);
    try {
      return this.ctx.typeof(h) === 'string' ? this.ctx.getString(h) : '';
    } finally {
      h.dispose();
    }
  }

  /** Record a limit violation: the current call ends as terminated even if the plugin catches the error. */
  private fail(what: string): never {
    if (this.fatal === undefined) {
      this.fatal = formatAt(this.call?.name ?? 'load', this.currentLocation(), what, this.filename);
      const r = this.ctx.callFunction(this.entry!.fatal, this.ctx.undefined);
      if (r.error) r.error.dispose();
      else r.value.dispose();
    }
    throw new Error(what);
  }

  /** The plugin line currently calling into the host, from the stack of an Error made in the VM. */
  private currentLocation(): string | undefined {
    try {
      const r = this.ctx.callFunction(this.entry!.where, this.ctx.undefined);
      if (r.error) {
        r.error.dispose();
        return undefined;
      }
      const stack = this.ctx.getString(r.value);
      r.value.dispose();
      return pluginLocation(stack, this.filename);
    } catch {
      return undefined;
    }
  }

  /**
   * The termination message of a call that ended with `error` thrown out of
   * the driver: the limit the host noted (fatal), the deadline, or the error
   * itself. A limit's message carries the plugin's line when the stack of the
   * error QuickJS raised on the interrupt gives one (see limitLocation).
   */
  private callError(error: QuickJSHandle, call: CallName, deadline: Deadline): string {
    if (this.fatal !== undefined) {
      if (!this.fatalUnlocated) return this.fatal;
      return this.memoryLimitMessage(call, this.describe(error)?.stack ?? '');
    }
    if (deadline.hit) return formatAt(call, limitLocation(this.describe(error)?.stack ?? '', this.filename), CPU_LIMIT_EXCEEDED, this.filename);
    return this.describeError(error, call);
  }

  private memoryLimitMessage(call: CallName, stack: string): string {
    return formatAt(call, limitLocation(stack, this.filename), MEMORY_LIMIT_EXCEEDED, this.filename);
  }

  /** The stack of st.err (the error that stopped run() or timer()), '' when it has none. */
  private stErrorStack(): string {
    const h = this.ctx.getProp(this.entry!.st, 'err');
    try {
      return this.describe(h)?.stack ?? '';
    } finally {
      h.dispose();
    }
  }

  private describeStError(call: CallName): string {
    const h = this.ctx.getProp(this.entry!.st, 'err');
    try {
      return this.describeError(h, call);
    } finally {
      h.dispose();
    }
  }

  private describeError(error: QuickJSHandle, call: CallName): string {
    const d = this.describe(error);
    // At the Wasm cap QuickJS may have no memory left even for its error object (it throws
    // null then), and describing needs memory too.
    const exhausted = this.heap.exhausted;
    if (d && !(exhausted && !d.isError && d.shown === 'null')) return formatException(call, d, this.filename);
    const what = exhausted ? MEMORY_LIMIT_EXCEEDED : 'an exception that could not be described';
    return formatAt(call, undefined, what, this.filename);
  }

  /**
   * Describe a thrown value with the driver's describe(), under a fresh
   * deadline and with the memory limit lifted (the error may be an
   * out-of-memory one, and plugin getters may run).
   */
  private describe(error: QuickJSHandle): ErrorDescription | undefined {
    const saved = this.deadline;
    this.rt.setMemoryLimit(-1);
    this.arm(false);
    try {
      const r = this.ctx.callFunction(this.entry!.describe, this.ctx.undefined, error);
      if (r.error) {
        r.error.dispose();
        return undefined;
      }
      const json = this.ctx.getString(r.value);
      r.value.dispose();
      return parseDescription(json);
    } catch {
      return undefined;
    } finally {
      this.deadline = saved;
      this.rt.setMemoryLimit(this.limits.memoryBytes);
    }
  }

  private terminate(error: string): void {
    this.terminatedState ??= { error, at: new Date() };
  }

  /**
   * Run VM work, turning a failure of the instance itself (a Wasm trap or
   * abort, which surfaces as a host exception) into a termination.
   */
  private guard(fn: () => void, call: CallName, onError?: (error: string) => void): void {
    try {
      fn();
    } catch (err) {
      this.deadline = undefined;
      this.call = undefined;
      this.dead = true;
      const message = (err as Error)?.message ?? String(err);
      // Built-ins such as JSON.stringify recurse in native Wasm frames that QuickJS's stack limit does not see.
      const error = /maximum call stack size/i.test(message)
        ? clip(`${callPrefix(call)}stack overflow in a built-in function (structure nested too deep); the plugin's QuickJS instance was discarded`)
        : clip(`${callPrefix(call)}the QuickJS instance failed: ${message}`);
      this.terminate(error);
      if (call === 'load') this.loadResult.terminated ??= { error };
      onError?.(error);
    }
  }

  /** The heap in use, measured again when the last measure is older than MEMORY_SAMPLE_INTERVAL_MS. */
  private sampleMemory(): number {
    const now = performance.now();
    if (now - this.lastMemorySample < MEMORY_SAMPLE_INTERVAL_MS) return this.memorySample;
    this.lastMemorySample = now;
    let bytes = 0;
    try {
      const m = /^memory used\s+\d+\s+(\d+)/m.exec(this.rt.dumpMemoryUsage());
      bytes = m ? Number(m[1]) : this.heap.memory.buffer.byteLength;
    } catch {
      bytes = 0;
    }
    if (bytes > this.counters.maxMemoryBytes) this.counters.maxMemoryBytes = bytes;
    this.memorySample = bytes;
    return bytes;
  }

  // ------------------------------------------------------------------ host functions (called from the VM)

  private vmArg(h: QuickJSHandle | undefined): VmArg {
    if (h === undefined) return undefined;
    const ctx = this.ctx;
    const t = ctx.typeof(h);
    switch (t) {
      case 'undefined':
        return undefined;
      case 'string':
        return ctx.getString(h);
      case 'number':
        return ctx.getNumber(h);
      case 'boolean':
        return ctx.sameValue(h, ctx.true);
      case 'bigint':
        return ctx.getBigInt(h);
      case 'object':
        return ctx.sameValue(h, ctx.null) ? null : { nonPrimitive: 'object' };
      default:
        return { nonPrimitive: t };
    }
  }

  private callIndex(h: QuickJSHandle | undefined): number {
    const v = this.vmArg(h);
    return typeof v === 'number' && Number.isInteger(v) ? v : -1;
  }

  private toVm(v: string | number | boolean | Uint8Array | undefined): QuickJSHandle {
    const ctx = this.ctx;
    switch (typeof v) {
      case 'string': {
        if (!v.includes('\u0000')) return ctx.newString(v);
        // newString ends at NUL: send {json} for the driver to parse.
        const o = ctx.newObject();
        const json = ctx.newString(JSON.stringify(v));
        ctx.setProp(o, 'json', json);
        json.dispose();
        return o;
      }
      case 'number':
        return ctx.newNumber(v);
      case 'boolean':
        return v ? ctx.true : ctx.false;
      case 'undefined':
        return ctx.undefined;
      default:
        return ctx.newArrayBuffer(v.slice().buffer);
    }
  }

  private hostReadMessage([curH, jsonH, nameH, fiH, aiH]: QuickJSHandle[]): QuickJSHandle {
    const cur = this.callIndex(curH);
    const message = this.call?.messages?.[cur];
    if (message === undefined) return this.ctx.undefined;
    const name = this.vmArgs(jsonH, [nameH])[0];
    const fi = this.vmArg(fiH);
    const ai = this.vmArg(aiH);
    const target = parseReadName(name, fi, ai);
    let value;
    try {
      value = readValue(message, target);
    } catch (err) {
      throw new Error(`read_message(${JSON.stringify(name)}) failed: ${(err as Error).message}`);
    }
    if (
      typeof name === 'string' &&
      target.kind !== 'raw' &&
      target.kind !== 'framed' &&
      (fi === undefined || typeof fi === 'number') &&
      (ai === undefined || typeof ai === 'number') &&
      this.learned.size < MAX_LEARNED_KEYS
    ) {
      const key = columnKey(name, fi, ai);
      if (!this.learned.has(key)) {
        this.learned.set(key, target);
        this.learnedList = undefined;
        this.sendColumn(key, target, cur);
      }
    }
    return this.toVm(value);
  }

  /**
   * A key process_message() reads for the first time in a batch is sent as a
   * column for the rest of the batch at once, rather than from the next batch
   * on: a host call costs tens of microseconds, so a batch of them (a plugin's
   * first batch, or a key first read mid-stream) cost a thousand times more
   * than the column. If the column cannot be sent (bytes values, over its
   * budget, no memory) the host keeps answering.
   */
  private sendColumn(key: string, target: ReadTarget, cur: number): void {
    const messages = this.call?.messages;
    if (this.call?.name !== 'process_message' || messages === undefined || cur + 1 >= messages.length) return;
    const budget = Math.max(16 * 1024, this.limits.memoryBytes / 32);
    let columns;
    try {
      columns = encodeColumns(messages, [{ key, target }], budget);
    } catch {
      return; // a record that cannot be read: the host answers, and blames, message by message
    }
    if (columns.meta === '') return;
    const ctx = this.ctx;
    const args = [ctx.newString(columns.meta), ctx.newString(columns.strings), ctx.newArrayBuffer(columns.buffer)];
    try {
      const r = ctx.callFunction(this.entry!.addColumns, ctx.undefined, args);
      if (r.error) r.error.dispose();
      else r.value.dispose();
    } finally {
      for (const a of args) a.dispose();
    }
  }

  /** Arguments from a driver wrapper: those listed in `jsonH` ("0,2") are strings sent as JSON because they hold NUL. */
  private vmArgs(jsonH: QuickJSHandle | undefined, handles: QuickJSHandle[]): VmArg[] {
    const values = handles.map((h) => this.vmArg(h));
    const json = this.vmArg(jsonH);
    if (typeof json === 'string' && json !== '') {
      for (const k of json.split(',')) {
        const v = values[Number(k)];
        if (typeof v === 'string') values[Number(k)] = JSON.parse(v) as string;
      }
    }
    return values;
  }

  private appendPayload(text: string): void {
    const bytes = utf8Length(text);
    if (this.payloadBytes + bytes > this.limits.outputBytes) this.fail(OUTPUT_LIMIT_EXCEEDED);
    this.payloadParts.push(text);
    this.payloadBytes += bytes;
    if (this.payloadBytes > this.counters.maxOutputBytes) this.counters.maxOutputBytes = this.payloadBytes;
  }

  private checkNotFatal(): void {
    if (this.fatal !== undefined || this.call === undefined) throw new Error('the plugin is being terminated');
  }

  private countInjection(fn: 'inject_message' | 'inject_payload'): void {
    const name = this.call?.name;
    const [key, limit] =
      name === 'process_message'
        ? ['process_message_inject_limit', this.limits.processMessageInjectLimit]
        : name === 'timer_event'
          ? ['timer_event_inject_limit', this.limits.timerEventInjectLimit]
          : [undefined, 0];
    if (this.injectCount >= limit) {
      // Hindsight's words, and the key of the limit (none applies while loading: nothing may be injected then).
      this.fail(`${fn}() failed: injection limit exceeded${key === undefined ? ' (nothing may be injected while the plugin loads)' : ` (${key} ${limit})`}`);
    }
    this.injectCount++;
  }

  private hostAddToPayload([curH, jsonH, ...parts]: QuickJSHandle[]): void {
    this.checkNotFatal();
    this.enterCall(this.callIndex(curH));
    const values = this.vmArgs(jsonH, parts);
    for (let k = 0; k < values.length; k++) this.appendPayload(partText(values[k], 'add_to_payload', k + 1));
  }

  private hostInjectPayload([curH, jsonH, ...args]: QuickJSHandle[]): void {
    this.checkNotFatal();
    const cur = this.callIndex(curH);
    this.enterCall(cur);
    const [type, name, ...parts] = this.vmArgs(jsonH, args);
    if (type !== undefined && typeof type !== 'string') {
      throw new TypeError('inject_payload() payload_type argument must be a string');
    }
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError('inject_payload() payload_name argument must be a string');
    }
    for (let k = 0; k < parts.length; k++) this.appendPayload(partText(parts[k], 'inject_payload', k + 3));
    if (this.payloadBytes === 0) return; // as lua_sandbox: nothing to send
    this.countInjection('inject_payload');
    const payloadType = type ?? 'txt';
    const payloadName = name ?? '';
    this.call!.outputs.push({
      name: payloadName,
      type: payloadType,
      payload: this.payloadParts.join(''),
      topic: `${this.logger}.${payloadName}.${payloadType}`,
      ...(this.call!.name === 'process_message' ? { index: cur } : {}),
    });
    this.counters.injectedPayloads++;
    this.payloadParts = [];
    this.payloadBytes = 0;
  }

  private hostInjectMessage([curH, textH]: QuickJSHandle[]): void {
    this.checkNotFatal();
    this.enterCall(this.callIndex(curH));
    const text = this.vmArg(textH);
    let message: Message;
    try {
      const value = decodeTagged(typeof text === 'string' ? text : '', { rejectCycles: true });
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
        throw new MessageError(`expected an object like {Type: "x", Payload: "...", Fields: {...}}, got ${describeValue(value)}`);
      }
      const m = value as Record<string, unknown>;
      m.Logger = this.logger;
      if (m.Hostname === undefined || m.Hostname === null) m.Hostname = this.identity.hostname;
      if (m.Pid === undefined || m.Pid === null) m.Pid = this.identity.pid;
      if (m.Timestamp === undefined || m.Timestamp === null) m.Timestamp = this.identity.now();
      message = messageFromJSON(m);
    } catch (err) {
      if (err instanceof MessageError || err instanceof TaggedValueError) {
        throw new Error(`inject_message() failed: ${err.message}`);
      }
      throw err;
    }
    this.countInjection('inject_message');
    this.call!.injected.push(message);
    this.counters.injectedMessages++;
  }

  private hostPrint([curH, jsonH, lineH]: QuickJSHandle[]): void {
    if (this.call === undefined) return;
    this.enterCall(this.callIndex(curH));
    const line = this.vmArgs(jsonH, [lineH])[0];
    if (typeof line !== 'string' || this.debugTruncated) return;
    // Debug output gets the same budget per call as a payload, and a batch sixteen
    // times that; the rest is dropped, not fatal.
    const bytes = utf8Length(line) + 1;
    const batchLimit = BATCH_DEBUG_OUTPUTS * this.limits.outputBytes;
    if (this.call.debugBytes + bytes > batchLimit) {
      this.debugTruncated = true;
      this.call.debug.push(`[debug output truncated: more than ${batchLimit} bytes in this batch]`);
      this.mute(-3);
      return;
    }
    if (this.debugBytes + bytes > this.limits.outputBytes) {
      this.debugTruncated = true;
      this.call.debug.push(`[debug output truncated: more than ${this.limits.outputBytes} bytes in one call]`);
      this.mute(this.owner);
      return;
    }
    this.debugBytes += bytes;
    this.call.debugBytes += bytes;
    this.call.debug.push(line);
  }

  /** Let the driver drop further print() calls (of call `index`, or -3: of the batch) without crossing over. */
  private mute(index: number): void {
    const h = this.ctx.newNumber(index);
    this.ctx.setProp(this.entry!.st, 'mute', h);
    h.dispose();
  }

  private hostDecodeMessage([, bytesH]: QuickJSHandle[]): QuickJSHandle {
    let bytes: Uint8Array;
    const view = this.ctx.getArrayBuffer(bytesH);
    try {
      bytes = view.value.slice();
    } finally {
      view.dispose();
    }
    let m: Message;
    try {
      m = decodeMessage(bytes);
    } catch (err) {
      throw new Error(`decode_message() failed: ${(err as Error).message}`);
    }
    return this.ctx.newString(encodeTagged(messageListForm(m)));
  }
}

/**
 * decode_message()'s result: the Heka list form with JavaScript values
 * (Uuid as hex, Timestamp and INTEGER values as numbers, BYTES as Uint8Array),
 * the shape read_message() reads.
 */
export function messageListForm(m: Message): Record<string, unknown> {
  const o: Record<string, unknown> = { Uuid: uuidToHex(m.uuid), Timestamp: Number(m.timestamp), ...presentHeaders(m) };
  o.Fields = m.fields.map((f) => {
    const field: Record<string, unknown> = { name: f.name, value_type: f.valueType };
    if (f.representation) field.representation = f.representation;
    field.value = f.value.map((v) => (typeof v === 'bigint' ? Number(v) : v));
    return field;
  });
  return o;
}

function partText(v: VmArg, fn: string, position: number): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
  }
  const kind = v === null ? 'null' : v === undefined ? 'undefined' : v.nonPrimitive;
  throw new TypeError(
    `${fn}() argument ${position} is ${kind}: pass strings, numbers or booleans (JSON.stringify objects first)`,
  );
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}

// ------------------------------------------------------------------ spec validation

interface ValidSpec {
  owner: string;
  name: string;
  source: string;
  filename: string;
  config: Record<string, ConfigValue>;
  limits: PluginLimits;
  preservedState?: string;
  host?: Partial<HostIdentity>;
}

const NAME = /^[A-Za-z0-9_-]+$/;

function validateSpec(spec: PluginSpec): ValidSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('createPlugin() needs a PluginSpec object');
  for (const key of ['owner', 'name'] as const) {
    const v = spec[key];
    if (typeof v !== 'string' || !NAME.test(v)) {
      throw new TypeError(`PluginSpec.${key} must be letters, digits, _ or - (it names the Logger), got ${JSON.stringify(v)}`);
    }
  }
  if (typeof spec.source !== 'string') throw new TypeError('PluginSpec.source must be a string');
  const filename = spec.filename ?? 'plugin.js';
  if (typeof filename !== 'string' || filename === '' || /[\s():]/.test(filename)) {
    throw new TypeError(`PluginSpec.filename must be a file name without spaces, colons or parentheses, got ${JSON.stringify(filename)}`);
  }
  const config = spec.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError('PluginSpec.config must be an object of string, number or boolean values');
  }
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new TypeError(`PluginSpec.config.${k} must be a string, finite number or boolean, got ${typeof v}`);
    }
  }
  if (spec.preservedState !== undefined && typeof spec.preservedState !== 'string') {
    throw new TypeError('PluginSpec.preservedState must be a string from saveState()');
  }
  return {
    owner: spec.owner,
    name: spec.name,
    source: spec.source,
    filename,
    config,
    limits: resolveLimits(config, spec.limits),
    preservedState: spec.preservedState,
    host: spec.host,
  };
}
