import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { COUNTER, expectedCounts, plugin, stateGlobals } from './test-helpers';

const PRESERVE = { config: { preserve_data: true } };

const RICH_STATE = `
var n = 7, s = "text", yes = true, nothing = null, undef = undefined;
var nan = NaN, inf = Infinity, ninf = -Infinity, negZero = -0, big = 2n ** 70n;
var list = [1, "two", [3, [4]], { deep: { deeper: [5] } }];
var map = new Map([["k", new Set([1, 2])], [3, { v: 4 }]]);
var when = new Date(86400000), bad = new Date(NaN);
var bytes = new Uint8Array([0, 1, 255]), floats = new Float64Array([0.5, -0, NaN]);
var re = /a+b/gi;
var shared = { name: "shared" }; var pair = [shared, shared];
var cyc = { label: "cyc" }; cyc.self = cyc;
var proto = { "__proto__": 1 };   // a plain key named __proto__ (computed keys define it)
proto = Object.defineProperty({}, "__proto__", { value: 1, enumerable: true, writable: true, configurable: true });
globalThis.assigned = "via globalThis";
function helper() { return 1; }
var fnInObject = { keep: 1, drop: () => 2 };
function process_message() { return 0 }
`;

const CHECK_STATE = `
function timer_event() {
  print([
    n === 7, s === "text", yes === true, nothing === null, undef === undefined,
    Number.isNaN(nan), inf === Infinity, ninf === -Infinity, Object.is(negZero, -0), big === 2n ** 70n,
    list[2][1][0] === 4, list[3].deep.deeper[0] === 5,
    map.get("k") instanceof Set && map.get("k").has(2), map.get(3).v === 4,
    when instanceof Date && when.getTime() === 86400000, Number.isNaN(bad.getTime()),
    bytes instanceof Uint8Array && bytes[2] === 255, floats instanceof Float64Array && Object.is(floats[1], -0) && Number.isNaN(floats[2]),
    re instanceof RegExp && re.source === "a+b" && re.flags === "gi",
    pair[0] === pair[1] && pair[0] === shared, cyc.self === cyc,
    Object.getPrototypeOf(proto) === Object.prototype && proto["__proto__"] === 1,
    assigned === "via globalThis", typeof helper === "function", fnInObject.keep === 1 && !("drop" in fnInObject),
  ].map((ok, i) => ok ? "" : "check " + i + " failed").join(""));
}
`;

describe('preserve_data', () => {
  it('saves and restores every kind of value, shared references and cycles included', async () => {
    const a = await plugin(RICH_STATE, PRESERVE);
    expect(a.warnings).toEqual([]);
    const state = a.saveState()!;
    const globals = stateGlobals(state);
    // Functions (and the API) are code, not state.
    expect(Object.keys(globals)).not.toContain('helper');
    expect(Object.keys(globals)).not.toContain('process_message');
    expect(Object.keys(globals)).not.toContain('read_message');
    expect(globals.n).toBe(7);

    // The new source starts its globals over; restoring puts the saved values back.
    const b = await plugin(
      RICH_STATE.replace('var n = 7', 'var n = 0').replace('var cyc = { label: "cyc" }; cyc.self = cyc;', 'var cyc = 1;') +
        CHECK_STATE,
      { ...PRESERVE, preservedState: state },
    );
    expect(b.warnings).toEqual([]);
    expect(b.timerEvent(0, false).debug).toEqual(['']);
    // Saving again gives the same text: nothing was lost or reshaped.
    expect(b.saveState()).toBe(state);
  });

  it('carries counts across a restart', async () => {
    const messages = sampleMessages(1500, 5);
    const a = await plugin(COUNTER, PRESERVE);
    a.processMessages(messages.slice(0, 700));
    const b = await plugin(COUNTER, { ...PRESERVE, preservedState: a.saveState() });
    b.processMessages(messages.slice(700));
    expect(JSON.parse(b.timerEvent(0, true).outputs[0].payload)).toEqual(expectedCounts(messages));
  });

  it('warns about top-level let/const state and does not pretend to restore it', async () => {
    const source = `let hits = 0;\nconst seen = {};\nvar kept = 0;\nfunction process_message() { hits++; kept++; return 0 }`;
    const a = await plugin(source, PRESERVE);
    expect(a.warnings).toEqual([
      'preserve_data: top-level "hits" is declared with let/const, so it is not saved; declare state with var',
      'preserve_data: top-level "seen" is declared with let/const, so it is not saved; declare state with var',
    ]);
    a.processMessages(sampleMessages(3));
    const state = a.saveState()!;
    expect(Object.keys(stateGlobals(state))).toEqual(['kept']);

    // A state saved when hits was a var, restored into a source where it is let.
    const b = await plugin(source, { ...PRESERVE, preservedState: '{"v":1,"g":["hits",5,"kept",3]}' });
    expect(b.warnings).toContain(
      'preserve_data: global hits is declared with let/const, so the saved value was not restored; declare it with var',
    );
  });

  it('starts fresh, with a warning, from a state it cannot restore', async () => {
    const source = 'var counts = { a: 1 };\nfunction process_message() { return 0 }\nfunction timer_event() { print(JSON.stringify(counts)) }';
    for (const bad of ['not json', '{"v":2,"g":[]}', '{"v":1,"g":["counts",["Q",0]]}', '{"v":1,"g":["counts",["R",9]]}']) {
      const p = await plugin(source, { ...PRESERVE, preservedState: bad });
      expect(p.terminated).toBeUndefined();
      expect(p.warnings).toHaveLength(1);
      expect(p.warnings[0]).toMatch(/^preserve_data: the saved state was not restored, starting fresh: restore\(\) /);
      expect(p.timerEvent(0, false).debug).toEqual(['{"a":1}']);
    }
  });

  it('saves nothing unless preserve_data is true, or once terminated', async () => {
    const off = await plugin(COUNTER);
    expect(off.saveState()).toBeUndefined();
    const ignored = await plugin(COUNTER, { preservedState: '{"v":1,"g":["counts",["O",0,"x",1]]}' });
    expect(ignored.warnings).toEqual([
      'preserve_data: a preserved state was given but config preserve_data is not true; ignored',
    ]);
    const dead = await plugin('var x = 1; function process_message() { throw new Error("no") }', PRESERVE);
    dead.processMessages(sampleMessages(1));
    expect(dead.terminated).toBeDefined();
    expect(dead.saveState()).toBeUndefined();
  });

  it('reports a state that cannot be saved instead of throwing', async () => {
    const p = await plugin(
      'var x = 1; Object.defineProperty(globalThis, "trap", { get() { throw new Error("no peeking") }, enumerable: true });\nfunction process_message() { return 0 }',
      PRESERVE,
    );
    expect(p.saveState()).toBeUndefined();
    expect(p.warnings).toEqual([
      'preserve_data: the state could not be saved: save() plugin.js:1: Error: no peeking',
    ]);
    expect(p.terminated).toBeUndefined();
  });
});
