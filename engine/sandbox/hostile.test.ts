/**
 * Hostile plugins: each is terminated or contained with the right message,
 * while a well-behaved plugin created first, in the same process, keeps
 * counting exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import type { Message } from '../message/message';
import type { PluginSandbox } from './plugin-sandbox';
import { wasmMemoryCap } from './quickjs-module';
import { COUNTER, expectedCounts, plugin, stateGlobals } from './test-helpers';

const messages = sampleMessages(1200, 3);
const FAST = { limits: { cpuMsPerCall: 100 } };

let good: PluginSandbox;
const fedToGood: Message[] = [];
let round = 0;

/** After every hostile case: the good plugin still counts every message exactly. */
function goodStillCounts(): void {
  const batch = sampleMessages(150, 100 + round++);
  const r = good.processMessages(batch);
  expect(r.processed).toBe(batch.length);
  expect(r.terminated).toBeUndefined();
  fedToGood.push(...batch);
  expect(stateGlobals(good.saveState()!).counts).toEqual(expectedCounts(fedToGood));
}

async function hostile(source: string, spec = {}): Promise<PluginSandbox> {
  return plugin(source, { ...FAST, ...spec });
}

beforeAll(async () => {
  good = await plugin(COUNTER, { config: { preserve_data: true } });
  goodStillCounts();
});

afterAll(() => {
  expect(good.terminated).toBeUndefined();
  expect(good.stats().processed).toBe(fedToGood.length);
});

describe('runaway code', () => {
  it('stops an infinite loop in process_message', async () => {
    const p = await hostile('var n = 0;\nfunction process_message() {\n  if (++n === 3) while (true) {}\n  return 0;\n}');
    const r = p.processMessages(messages);
    expect(r.processed).toBe(2);
    expect(r.terminated).toEqual({ index: 2, error: 'process_message() plugin.js:3: cpu_limit_ms exceeded' });
    // A loop in a helper: the helper's line; a loop around calls into the driver: the line of the call.
    const helper = await hostile('function spin() {\n  for (;;) {}\n}\nfunction process_message() {\n  spin();\n}');
    expect(helper.processMessages(messages.slice(0, 1)).terminated?.error).toBe('process_message() plugin.js:1: cpu_limit_ms exceeded');
    const reads = await hostile('function process_message() {\n  for (;;) {\n    read_message("Fields[docType]");\n  }\n}');
    expect(reads.processMessages(messages.slice(0, 1)).terminated?.error).toMatch(
      /^process_message\(\) plugin\.js:[13]: cpu_limit_ms exceeded$/,
    );
    goodStillCounts();
  });

  it('stops an infinite loop in timer_event, and one that hides in a getter the driver reads', async () => {
    const t = await hostile('function process_message() { return 0 }\nfunction timer_event() { for (;;) {} }');
    expect(t.timerEvent(0, false).terminated).toEqual({ error: 'timer_event() plugin.js:2: cpu_limit_ms exceeded' });
    const g = await hostile(
      'Object.defineProperty(globalThis, "process_message", { get() { for (;;) {} } });',
    );
    expect(g.processMessages(messages.slice(0, 5)).terminated).toEqual({
      index: 0,
      error: 'process_message() plugin.js:1: cpu_limit_ms exceeded',
    });
    goodStillCounts();
  });

  it('stops catastrophic regular expressions', async () => {
    const p = await hostile(
      'function process_message() {\n  const s = "a".repeat(40) + "b";\n  /^(a+)+$/.test(s);\n  return 0;\n}',
    );
    // Stopped inside RegExp.prototype.test: the line is that of the call.
    expect(p.processMessages(messages.slice(0, 1)).terminated?.error).toBe(
      'process_message() plugin.js:3: cpu_limit_ms exceeded',
    );
    goodStillCounts();
  });

  it('stops a loop that catches every error it can', async () => {
    const p = await hostile(
      'function process_message() { for (;;) { try { while (true) {} } catch (e) {} } }',
    );
    expect(p.processMessages(messages.slice(0, 1)).terminated?.error).toBe('process_message() plugin.js:1: cpu_limit_ms exceeded');
    goodStillCounts();
  });
});

describe('memory', () => {
  const cap = wasmMemoryCap(8 * 1024 * 1024);

  it('terminates a memory bomb and keeps its heap under the cap', async () => {
    const p = await hostile('var hoard = [];\nfunction process_message() {\n  for (;;) hoard.push("x".repeat(100000) + hoard.length);\n}');
    const r = p.processMessages(messages.slice(0, 3));
    // At the cap QuickJS cannot even make its error object, so there is no line to give.
    expect(r.terminated).toEqual({ index: 0, error: 'process_message() memory_limit exceeded' });
    expect(p.stats().wasmMemoryBytes).toBeLessThanOrEqual(cap);
    goodStillCounts();
  });

  it('terminates many small allocations, and one huge one', async () => {
    const small = await hostile('var a = [];\nfunction process_message() { for (;;) a.push({ n: a.length }); }', {
      limits: { cpuMsPerCall: 2000 },
    });
    expect(small.processMessages(messages.slice(0, 1)).terminated?.error).toBe('process_message() memory_limit exceeded');
    expect(small.stats().wasmMemoryBytes).toBeLessThanOrEqual(cap);

    const huge = await hostile('function process_message() { const s = "x".repeat(2 ** 28); return s.length }');
    expect(huge.processMessages(messages.slice(0, 1)).terminated?.error).toMatch(
      /^process_message\(\) (plugin\.js:1: memory_limit exceeded|memory_limit exceeded|plugin\.js:1: RangeError: invalid string length)$/,
    );
    goodStillCounts();
  });

  it('contains a bomb that swallows out-of-memory errors', async () => {
    const p = await hostile(
      'var keep = [];\nfunction process_message() {\n  for (;;) { try { keep.push(new Array(100000).fill(1)); } catch (e) {} }\n}',
    );
    expect(p.processMessages(messages.slice(0, 1)).terminated?.error).toMatch(
      /^process_message\(\) (plugin\.js:3: )?(memory_limit exceeded|cpu_limit_ms exceeded)$/,
    );
    expect(p.stats().wasmMemoryBytes).toBeLessThanOrEqual(cap);
    goodStillCounts();
  });

  it('terminates a bomb at load time', async () => {
    const p = await hostile('var a = [];\nfor (;;) a.push("y".repeat(50000) + a.length);');
    expect(p.terminated?.error).toBe('plugin.js: memory_limit exceeded');
    goodStillCounts();
  });
});

describe('stack', () => {
  it('turns deep recursion into a stack overflow error, in plugin code and in built-ins', async () => {
    const rec = await hostile('function down(n) { return down(n + 1) + 1 }\nfunction process_message() { return down(0) }');
    expect(rec.processMessages(messages.slice(0, 1)).terminated?.error).toBe(
      'process_message() plugin.js:1: InternalError: stack overflow',
    );
    // JSON.stringify recurses natively, past what QuickJS's stack limit sees: the instance is discarded.
    const json = await hostile(
      'var o = {};\nfor (let i = 0; i < 100000; i++) o = { o };\nfunction process_message() { return JSON.stringify(o).length }',
      { limits: { cpuMsPerCall: 5000 } },
    );
    expect(json.processMessages(messages.slice(0, 1)).terminated?.error).toMatch(
      /^process_message\(\) ((plugin\.js:3: )?InternalError: stack overflow|stack overflow in a built-in function \(structure nested too deep\); the plugin's QuickJS instance was discarded)$/,
    );
    expect(json.processMessages(messages.slice(0, 1)).processed).toBe(0);
    goodStillCounts();
  });

  it('survives printing and saving a structure too deep to serialise', async () => {
    const p = await hostile(
      'var deep = [];\nfor (let i = 0; i < 20000; i++) deep = [deep];\nfunction process_message() { print(deep); return 0 }',
      { config: { preserve_data: true }, limits: { cpuMsPerCall: 5000 } },
    );
    const r = p.processMessages(messages.slice(0, 1));
    expect(r.terminated).toBeUndefined();
    expect(r.debug).toEqual(['[[[[[Array]]]]]']);
    expect(p.saveState()).toBeUndefined();
    expect(p.warnings[0]).toMatch(/^preserve_data: the state could not be saved: save\(\) .*InternalError: stack overflow$/);
    goodStillCounts();
  });
});

describe('floods', () => {
  it('terminates an output flood, even one that catches the error', async () => {
    // A generous deadline: reaching 64 KiB takes thousands of host calls.
    const p = await hostile(
      'function process_message() {\n  for (let i = 0; i < 1e6; i++) {\n    try { add_to_payload("0123456789"); } catch (e) {}\n  }\n  return 0;\n}',
      { limits: { cpuMsPerCall: 10_000 } },
    );
    const r = p.processMessages(messages.slice(0, 5));
    expect(r).toMatchObject({ processed: 0, outputs: [] });
    expect(r.terminated).toEqual({ index: 0, error: 'process_message() plugin.js:3: output_limit exceeded' });
    const single = await hostile('function process_message() { return 0 }\nfunction timer_event() {\n  inject_payload("txt", "big", "z".repeat(70000));\n}');
    expect(single.timerEvent(0, false).terminated?.error).toBe('timer_event() plugin.js:3: output_limit exceeded');
    goodStillCounts();
  });

  it('terminates an injection flood after the allowed injections', async () => {
    const p = await hostile(
      'function process_message() { return 0 }\nfunction timer_event() {\n  for (let i = 0; i < 1000; i++) try { inject_message({ Type: "spam" }); } catch (e) {}\n}',
    );
    const r = p.timerEvent(0, false);
    expect(r.injected).toHaveLength(10);
    expect(r.terminated).toEqual({
      error: 'timer_event() plugin.js:3: inject_message() failed: injection limit exceeded (timer_event_inject_limit 10)',
    });
    goodStillCounts();
  });

  it('truncates a debug flood without terminating', async () => {
    const p = await hostile('function process_message() { for (let i = 0; i < 10000; i++) print("spam", i); return 0 }', {
      limits: { cpuMsPerCall: 10_000 },
    });
    const r = p.processMessages(messages.slice(0, 3));
    expect(r.terminated).toBeUndefined();
    expect(r.processed).toBe(3);
    expect(r.debug.filter((l) => l.startsWith('[debug output truncated'))).toHaveLength(3);
    expect(r.debug.length).toBeLessThan(3 * 10000);

    // Within each call's budget, but 2 MB over a batch: the batch keeps 1 MiB.
    const wide = await hostile('function process_message() { print("w".repeat(2000)); return 0 }');
    const w = wide.processMessages(messages.slice(0, 1000));
    expect(w.processed).toBe(1000);
    expect(w.debug.at(-1)).toBe('[debug output truncated: more than 1048576 bytes in this batch]');
    expect(w.debug.length).toBe(Math.floor(1048576 / 2001) + 1);
    goodStillCounts();
  });
});

describe('throwing and weird values', () => {
  it('describes whatever is thrown, even values that fight back', async () => {
    const cases: [string, string | RegExp][] = [
      ['throw new RangeError("out")', 'process_message() plugin.js:1: RangeError: out'],
      ['class MyError extends Error { constructor(m) { super(m); this.name = "MyError" } } throw new MyError("mine")', 'process_message() plugin.js:1: MyError: mine'],
      ['throw null', 'process_message() uncaught exception: null (throw an Error to get a line number)'],
      ['throw undefined', 'process_message() uncaught exception: undefined (throw an Error to get a line number)'],
      ['throw { message: "plain" }', 'process_message() plain'],
      ['throw { get name() { throw 1 }, get message() { throw 2 }, get stack() { throw 3 } }', /^process_message\(\) /],
      ['throw new Proxy({}, { get() { for (;;) {} } })', /^process_message\(\) /],
      ['throw "x".repeat(5000)', /^process_message\(\) uncaught exception: "x{100,}/],
    ];
    for (const [body, expected] of cases) {
      const p = await hostile(`function process_message() { ${body} }`);
      const error = p.processMessages(messages.slice(0, 2)).terminated?.error;
      expect(error, body).toMatch(expected);
      expect(error!.length).toBeLessThanOrEqual(1000);
    }
    goodStillCounts();
  });

  it('copes with returned values that misbehave', async () => {
    const p1 = await hostile('function process_message() { return new Proxy([-1], { get() { for (;;) {} } }) }');
    expect(p1.processMessages(messages.slice(0, 1)).terminated?.error).toBe('process_message() plugin.js:1: cpu_limit_ms exceeded');
    const p2 = await hostile('function process_message() { return { valueOf() { return 0 } } }');
    expect(p2.processMessages(messages.slice(0, 1)).terminated?.error).toBe(
      'process_message() must return a numeric status code',
    );
    const p3 = await hostile('function process_message() { return [-1, "r".repeat(100000)] }');
    const r3 = p3.processMessages(messages.slice(0, 2));
    expect(r3.failures).toHaveLength(2);
    expect(r3.failures[0].reason.length).toBeLessThanOrEqual(1000);
    goodStillCounts();
  });

  it('reports syntax errors without running anything', async () => {
    const p = await hostile('function process_message() {\n  return 0;\n}}\n');
    expect(p.terminated?.error).toMatch(/^plugin\.js:3:\d+: SyntaxError: /);
    expect(p.processMessages(messages.slice(0, 1)).processed).toBe(0);
    goodStillCounts();
  });
});

describe('tampering with built-ins', () => {
  const TAMPER = `
var counts = Object.create(null);
var n = 0;
// Break everything the driver might lean on.
var noop = function () { return "tampered" };
Object.prototype.toString = noop; Object.prototype.valueOf = noop;
Array.prototype.push = noop; Array.prototype.join = noop; Array.prototype.map = noop; Array.prototype.slice = noop;
Array.prototype[Symbol.iterator] = function* () { yield "tampered" };
for (let i = 0; i < 20; i++) Object.defineProperty(Array.prototype, i, { set() {}, get() { return "tampered" }, configurable: true });
for (const k of ["code", "fatal", "i", "fails", "msg", "err", "d", "x", "v", "g", "length", "value", "run"])
  Object.defineProperty(Object.prototype, k, { set() {}, get() { return "tampered" }, configurable: true });
JSON.stringify = noop; JSON.parse = noop;
Map.prototype.get = noop; Map.prototype.set = noop; Map.prototype.forEach = noop; Set.prototype.add = noop; Set.prototype.has = noop;
Object.keys = noop; Object.create = noop; Object.defineProperty = noop; Object.getOwnPropertyNames = noop; Object.setPrototypeOf = noop;
Reflect.apply = noop; Reflect.set = noop;
Function.prototype.call = noop; Function.prototype.apply = noop; Function.prototype.bind = noop;
String.prototype.split = noop; String.prototype.charCodeAt = noop;
Uint8Array = Uint16Array = Uint32Array = Float64Array = ArrayBuffer = noop;
Error = noop; TypeError = noop; Symbol.prototype.toString = noop;
Error.prototype.toString = noop;

function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  counts[dt] = (counts[dt] || 0) + 1;
  n++;
  if (dt === "crash") return [-1, "crash " + n];
  return 0;
}
function timer_event(ns, shutdown) {
  print(counts);
  inject_message({ Type: "tally", Fields: { n: n } });
  if (shutdown) throw new RangeError("bye");
}
`;

  it('keeps the driver working when a plugin replaces the built-ins it would use', async () => {
    const p = await hostile(TAMPER, { config: { preserve_data: true } });
    expect(p.terminated).toBeUndefined();
    const r = p.processMessages(messages);
    expect(r.processed).toBe(messages.length);
    const expected = expectedCounts(messages);
    const crashes = messages
      .map((m, j) => [m, j] as const)
      .filter(([m]) => m.fields.find((f) => f.name === 'docType')?.value[0] === 'crash')
      .map(([, j]) => ({ index: j, reason: `crash ${j + 1}` }));
    expect(r.failures).toEqual(crashes);

    // State saves and restores with JSON, Map and Object.keys all replaced.
    const state = p.saveState()!;
    expect(stateGlobals(state).counts).toEqual(expected);
    expect(stateGlobals(state).n).toBe(messages.length);

    const t = p.timerEvent(0, false);
    expect(t.terminated).toBeUndefined();
    expect(t.injected[0]).toMatchObject({ type: 'tally', fields: [{ name: 'n', value: [messages.length] }] });
    const shown = t.debug[0];
    for (const [k, v] of Object.entries(expected)) expect(shown).toContain(`${JSON.stringify(k).replace(/^"(\w+)"$/, '$1')}: ${v}`);

    const restored = await hostile(TAMPER, { config: { preserve_data: true }, preservedState: state });
    expect(restored.warnings).toEqual([]);
    expect(stateGlobals(restored.saveState()!).counts).toEqual(expected);

    // Termination messages still come out right.
    const end = p.timerEvent(0, true);
    expect(end.terminated?.error).toMatch(/^timer_event\(\) plugin\.js:\d+: RangeError: bye$/);
    goodStillCounts();
  });
});

describe('reaching for the host', () => {
  it('finds no ambient authority and no host function anywhere it can reach', async () => {
    const p = await hostile(`
      function process_message() { return 0 }
      function timer_event() {
        const names = ["require", "process", "fetch", "setTimeout", "setInterval", "setImmediate", "queueMicrotask",
          "XMLHttpRequest", "WebAssembly", "std", "os", "scriptArgs", "Promise", "module", "exports", "Buffer", "__dirname",
          "Deno", "Bun", "importScripts", "navigator", "window", "document", "Worker"];
        print(names.filter((n) => typeof globalThis[n] !== "undefined").join(",") || "none");
        print(read_message.constructor.constructor("return this")() === globalThis);
        print((0, eval)("1 + 1"));
        try { import("fs"); print("import ran"); } catch (e) { print("no import"); }
        // Walk everything reachable: own properties (with getters and setters, not invoked), symbols, prototypes.
        const seen = new Set(); const queue = [globalThis]; let found = [];
        while (queue.length) {
          const o = queue.pop();
          if ((typeof o !== "object" && typeof o !== "function") || o === null || seen.has(o)) continue;
          seen.add(o);
          if (typeof o === "function") {
            const d = Object.getOwnPropertyDescriptor(o, "name");
            if (d && typeof d.value === "string" && d.value.startsWith("foresight_host")) found.push(d.value);
          }
          queue.push(Object.getPrototypeOf(o));
          for (const k of Reflect.ownKeys(o)) {
            const d = Object.getOwnPropertyDescriptor(o, k);
            if (!d) continue;
            queue.push(d.value, d.get, d.set);
          }
        }
        print(seen.size > 500, found.join(",") || "no host functions");
      }`);
    const r = p.timerEvent(0, false);
    expect(r.terminated).toBeUndefined();
    expect(r.debug).toEqual(['none', 'true', '2', 'no import', 'true no host functions']);
    goodStillCounts();
  });

  it('cannot corrupt the host with forged calls to the API', async () => {
    const p = await hostile(`
      function process_message() { return 0 }
      function timer_event() {
        const tries = [
          () => read_message({ toString() { return "Fields[docType]" } }),
          () => read_message("Fields[docType]", { valueOf() { return 0 } }),
          () => inject_payload({}, [], 1),
          () => add_to_payload(Symbol("s")),
          () => decode_message(new Proxy(new Uint8Array(4), {})),
          () => inject_message(new Proxy({}, { ownKeys() { throw new Error("keys") } })),
          () => print(new Proxy({}, { ownKeys() { throw new Error("print keys") } })),
        ];
        for (const t of tries) { try { t(); print("ok"); } catch (e) { print("threw " + e.message); } }
      }`);
    const r = p.timerEvent(0, false);
    expect(r.terminated).toBeUndefined();
    expect(r.debug).toEqual([
      'ok',
      'ok',
      'threw inject_payload() payload_type argument must be a string',
      'threw add_to_payload() argument 1 is symbol: pass strings, numbers or booleans (JSON.stringify objects first)',
      'threw decode_message() expects a Uint8Array (e.g. read_message("raw")), got an object',
      'threw keys',
      'threw print keys',
    ]);
    goodStillCounts();
  });
});
