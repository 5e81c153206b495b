import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { ValueType } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { createPlugin, messageListForm, PLUGIN_TEMPLATE } from './index';
import { parseReadName, readValue } from './read-message';
import { COUNTER, expectedCounts, FIXED_HOST, message, plugin, stateGlobals, stringField } from './test-helpers';

const messages = sampleMessages(2500, 11);

describe('process_message batches', () => {
  it('counts by docType exactly across several batches, learning the key it reads', async () => {
    const p = await plugin(COUNTER);
    expect(p.terminated).toBeUndefined();
    const r = p.processMessages(messages);
    expect(r).toMatchObject({ processed: 2500, failures: [] });
    expect(r.terminated).toBeUndefined();
    const t = p.timerEvent(0, false);
    expect(JSON.parse(t.outputs[0].payload)).toEqual(expectedCounts(messages));
    expect(p.stats()).toMatchObject({ processed: 2500, failures: 0, timerEvents: 1, learnedKeys: ['Fields[docType]'] });
    p.dispose();
  });

  it('counts exactly while the strings kept between batches fill up and start over', async () => {
    // 1 MiB of memory keeps about 32 KiB of strings: 3,000 distinct recurring
    // values fill that table several times over.
    const p = await plugin(
      `var counts = {};
      function process_message() { var v = read_message('Fields[v]'); counts[v] = (counts[v] || 0) + 1; return 0; }
      function timer_event() { inject_payload('json', 'counts', JSON.stringify(counts)); }`,
      { config: { memory_limit: 1024 * 1024 } },
    );
    const values = Array.from({ length: 3000 }, (_, j) => `value-${(j * 7919) % 3000}`);
    const expected: Record<string, number> = {};
    for (let round = 0; round < 60; round++) {
      const batch = Array.from({ length: 1000 }, (_, j) => {
        const v = values[(round * 500 + j) % values.length]; // half of each batch recurs in the next
        expected[v] = (expected[v] ?? 0) + 1;
        return message([stringField('v', v)]);
      });
      const r = p.processMessages(batch);
      expect(r.terminated, r.terminated?.error).toBeUndefined();
      expect(r.processed).toBe(1000);
    }
    expect(JSON.parse(p.timerEvent(0, false).outputs[0].payload)).toEqual(expected);
    p.dispose();
  });

  it('serves read_message the same from columns as from the host, for every kind of key', async () => {
    const reads: [string, number?, number?][] = [
      ['Uuid'],
      ['Timestamp'],
      ['Type'],
      ['Logger'],
      ['Severity'],
      ['Payload'],
      ['EnvVersion'],
      ['Pid'],
      ['Hostname'],
      ['size'],
      ['Fields[docType]'],
      ['Fields[size]'],
      ['Fields[hasCrashEnvironment]'],
      ['Fields[pingDiscardRate]'],
      ['Fields[eventCategories]', 0, 1],
      ['Fields[eventCategories][0][2]'],
      ['Fields[status]', 0],
    ];
    const args = (r: [string, number?, number?]) =>
      [JSON.stringify(r[0]), ...r.slice(1).map((x) => String(x))].join(', ');
    const p = await plugin(
      `var seen = [];
       function process_message() {
         seen.push([${reads.map((r) => `read_message(${args(r)})`).join(', ')}]);
         const raw = read_message("raw");
         seen.push(raw instanceof Uint8Array ? raw.length : "not bytes");
         return 0;
       }`,
      { config: { preserve_data: true } },
    );
    const batch = messages.slice(0, 1300);
    expect(p.processMessages(batch).processed).toBe(1300);
    const seen = stateGlobals(p.saveState()!).seen as unknown[][];
    expect(seen.length).toBe(2 * batch.length);
    batch.forEach((m, j) => {
      const expected = reads.map(([name, fi, ai]) => readValue(m, parseReadName(name, fi, ai)));
      expect(seen[2 * j], `message ${j}`).toEqual(expected);
      expect(seen[2 * j + 1]).toBe(encodeMessage(m).length);
    });
    // raw is bytes, so it stays on the host callback; the rest became columns.
    expect(p.stats().learnedKeys).toHaveLength(reads.length);
    p.dispose();
  });

  it('serves a key first read mid-batch from a column for the rest of that batch', async () => {
    const p = await plugin(
      `var seen = [], n = 0;
       function process_message() {
         if (++n > 700) seen.push([read_message("Fields[docType]"), read_message("Fields[size]"), read_message("Payload"), read_message("Fields[status]", 0, 0)]);
         return 0;
       }`,
      { config: { preserve_data: true } },
    );
    // Counts the real host callback's calls (it is looked up on the instance at each call).
    const sandbox = p as unknown as { hostReadMessage: (a: unknown[]) => unknown };
    const hostRead = sandbox.hostReadMessage.bind(p);
    let hostReads = 0;
    sandbox.hostReadMessage = (a) => {
      hostReads++;
      return hostRead(a);
    };
    const batch = messages.slice(0, 1000);
    expect(p.processMessages(batch).processed).toBe(1000);
    const seen = stateGlobals(p.saveState()!).seen as unknown[][];
    expect(seen).toEqual(
      batch.slice(700).map((m) => [
        readValue(m, parseReadName('Fields[docType]', undefined, undefined)),
        readValue(m, parseReadName('Fields[size]', undefined, undefined)),
        readValue(m, parseReadName('Payload', undefined, undefined)),
        readValue(m, parseReadName('Fields[status]', 0, 0)),
      ]),
    );
    // One host call per key, its first read; every later read came from the column.
    expect(hostReads).toBe(4);
    p.dispose();
  });

  it('keeps read_message(name) and read_message(name, fi, ai) apart in the columns', async () => {
    const tags = (...v: string[]) => stringField('tags', ...v);
    const batch = Array.from({ length: 1500 }, (_, j) => message([tags('a' + j, 'b' + j), tags('c' + j)]));
    const p = await plugin(`
      var out = [];
      function process_message() {
        out.push([read_message("Fields[tags]", 1), read_message("Fields[tags]"), read_message("Fields[tags]", 0, 1)]);
        try { read_message("Fields[tags]\u00001\u0000undefined"); out.push("no error"); } catch (e) { out.push(e.name); }
        return 0;
      }`, { config: { preserve_data: true } });
    expect(p.processMessages(batch).processed).toBe(1500);
    const out = stateGlobals(p.saveState()!).out as unknown[];
    batch.forEach((_, j) => {
      expect(out[2 * j]).toEqual(['c' + j, 'a' + j, 'b' + j]);
      expect(out[2 * j + 1]).toBe('TypeError');
    });
    expect(p.stats().learnedKeys).toEqual(['Fields[tags],1,undefined', 'Fields[tags]', 'Fields[tags],0,1']);
  });

  it('carries strings holding NUL both ways, in columns and in host calls', async () => {
    const batch = Array.from({ length: 1200 }, (_, j) => message([stringField('s', `a\u0000${j % 3}`)]));
    const p = await plugin(
      `var seen = [];
       function process_message() {
         const v = read_message("Fields[s]");
         seen.push(v);
         if (seen.length === 1100) {
           add_to_payload("x\\u0000y", v);
           inject_payload("txt", "n\\u0000m");
           print("p\\u0000q", v);
           inject_message({ Type: "t\\u0000", Payload: v });
           return [-1, "why\\u0000not"];
         }
         if (seen.length === 1101) return [1, "stop\\u0000now"];
         return 0;
       }`,
      { config: { preserve_data: true }, limits: { processMessageInjectLimit: 2 } },
    );
    const r = p.processMessages(batch);
    expect(r.processed).toBe(1100);
    expect(r.failures).toEqual([{ index: 1099, reason: 'why\u0000not' }]);
    expect(r.terminated?.error).toBe('process_message() received a termination status code: stop\u0000now');
    // Message 1099 holds "a\u00001"; it was read from a column (the second batch), sent as JSON.
    expect(r.outputs).toMatchObject([{ name: 'n\u0000m', payload: 'x\u0000ya\u00001' }]);
    expect(r.debug).toEqual(['p\u0000q a\u00001']);
    expect(r.injected[0]).toMatchObject({ type: 't\u0000', payload: 'a\u00001' });
  });

  it('accepts process_message declared with const, and reports one that is missing', async () => {
    const ok = await plugin('const process_message = () => 0;');
    expect(ok.warnings).toEqual([]);
    expect(ok.processMessages(messages.slice(0, 3)).processed).toBe(3);
    const missing = await plugin('var x = 1;');
    expect(missing.warnings).toEqual([
      'process_message is not defined: the plugin will be terminated when a message arrives',
    ]);
    expect(missing.processMessages(messages.slice(0, 3)).terminated).toEqual({
      index: 0,
      error: 'process_message() function was not found',
    });
    const noTimer = await plugin('function process_message() { return 0 }');
    expect(noTimer.timerEvent(0, true).terminated).toEqual({ error: 'timer_event() function was not found' });
  });

  it('follows the reference return codes', async () => {
    const cases: [string, string | undefined][] = [
      ['return 0', undefined],
      ['return', undefined],
      ['return [0, "fine"]', undefined],
      ['return 1', 'process_message() received a termination status code'],
      ['return [2, "stop now"]', 'process_message() received a termination status code: stop now'],
      ['return "0"', 'process_message() must return a numeric status code'],
      ['return null', 'process_message() must return a numeric status code'],
      ['return true', 'process_message() must return a numeric status code'],
      ['return NaN', 'process_message() must return a numeric status code'],
      ['return {}', 'process_message() must return a numeric status code'],
      ['return ["-1"]', 'process_message() must return a numeric status code'],
      ['return [-1, 5]', 'process_message() must return a string error message, e.g. [-1, "why"]'],
    ];
    for (const [body, error] of cases) {
      const p = await plugin(`function process_message() { ${body} }`);
      const r = p.processMessages(messages.slice(0, 2));
      if (error === undefined) expect([r.processed, r.terminated], body).toEqual([2, undefined]);
      else expect(r, body).toMatchObject({ processed: 0, terminated: { index: 0, error } });
      expect(p.terminated?.error).toBe(error);
      p.dispose();
    }
  });

  it('counts -1 and [-1, "why"] as failures with their batch index, in any batch', async () => {
    const p = await plugin(`
      var n = 0;
      function process_message() {
        n++;
        const dt = read_message("Fields[docType]");
        if (dt === "crash") return [-1, "crash #" + n];
        if (dt === "core") return -1;
        if (dt === "health") return -7;
        return 0;
      }`);
    const r = p.processMessages(messages);
    const expected: { index: number; reason: string }[] = [];
    messages.forEach((m, j) => {
      const dt = readValue(m, parseReadName('Fields[docType]', undefined, undefined));
      if (dt === 'crash') expected.push({ index: j, reason: `crash #${j + 1}` });
      if (dt === 'core' || dt === 'health') expected.push({ index: j, reason: '' });
    });
    expect(expected.length).toBeGreaterThan(100);
    expect(r.failures).toEqual(expected);
    expect(r.processed).toBe(2500);
    expect(p.stats().failures).toBe(expected.length);
  });

  it('stops at the terminating message exactly, keeping what came before', async () => {
    const p = await plugin(
      `var n = 0;
       function process_message() {
         n++;
         if (n % 500 === 1) { print("at", n); add_to_payload("p", n); inject_payload("txt", "m" + n); }
         if (n === 1500) { print("dying at", n); throw new Error("boom " + n); }
         return 0;
       }
       function timer_event() { print("timer n", n); }`,
      { config: {}, limits: { processMessageInjectLimit: 1 } },
    );
    const r = p.processMessages(messages);
    expect(r.processed).toBe(1499);
    expect(r.terminated).toEqual({ index: 1499, error: 'process_message() plugin.js:5: Error: boom 1500' });
    expect(r.debug).toEqual(['at 1', 'at 501', 'at 1001', 'dying at 1500']);
    expect(r.outputs.map((o) => [o.index, o.name, o.payload])).toEqual([
      [0, 'm1', 'p1'],
      [500, 'm501', 'p501'],
      [1000, 'm1001', 'p1001'],
    ]);
    expect(p.terminated?.error).toBe('process_message() plugin.js:5: Error: boom 1500');
    // Terminated: nothing more runs.
    expect(p.processMessages(messages.slice(0, 5))).toMatchObject({ processed: 0, terminated: { index: 0 } });
    expect(p.timerEvent(0, false).debug).toEqual([]);
  });

  it('gives each message of a batch its own CPU budget', async () => {
    // 30 messages of ~40 ms each run 1.2 s in one batch, far over the 200 ms per-call budget.
    const p = await plugin(
      `function process_message() { const t = Date.now(); while (Date.now() - t < 40) {} return 0; }`,
      { limits: { cpuMsPerCall: 200 } },
    );
    const r = p.processMessages(messages.slice(0, 30));
    expect([r.processed, r.terminated]).toEqual([30, undefined]);
  });
});

describe('outputs, injection and debug', () => {
  it('builds payloads with add_to_payload and inject_payload as lua_sandbox does', async () => {
    const p = await plugin(`
      function process_message() { return 0 }
      function timer_event(ns, shutdown) {
        add_to_payload("a", 1, true, 2.5, 10n);
        inject_payload();
        inject_payload("csv", "report", "x,y\\n", 3, "\\n");
        inject_payload("txt", "empty");           // nothing buffered: no output
        add_to_payload(ns, shutdown);
        inject_payload("json");
      }`);
    const r = p.timerEvent(5e9, true);
    expect(r.outputs).toEqual([
      { name: '', type: 'txt', payload: 'a1true2.510', topic: `${p.logger}..txt` },
      { name: 'report', type: 'csv', payload: 'x,y\n3\n', topic: `${p.logger}.report.csv` },
      { name: '', type: 'json', payload: '5000000000true', topic: `${p.logger}..json` },
    ]);
    expect(p.logger).toMatch(/^analysis\.tester\.p\d+$/);
    expect(p.stats().injectedPayloads).toBe(3);
  });

  it('rejects payload arguments it cannot print, catchably', async () => {
    const p = await plugin(`
      function process_message() { return 0 }
      function timer_event() {
        for (const bad of [() => add_to_payload({}), () => add_to_payload("ok", undefined), () => inject_payload(1),
                           () => inject_payload("txt", {}), () => add_to_payload(null)]) {
          try { bad(); } catch (e) { print(e.message); }
        }
      }`);
    expect(p.timerEvent(0, false).debug).toEqual([
      'add_to_payload() argument 1 is object: pass strings, numbers or booleans (JSON.stringify objects first)',
      'add_to_payload() argument 2 is undefined: pass strings, numbers or booleans (JSON.stringify objects first)',
      'inject_payload() payload_type argument must be a string',
      'inject_payload() payload_name argument must be a string',
      'add_to_payload() argument 1 is null: pass strings, numbers or booleans (JSON.stringify objects first)',
    ]);
    expect(p.terminated).toBeUndefined();
  });

  it('injects messages with the host headers set', async () => {
    const p = await plugin(`
      function process_message() { return 0 }
      function timer_event() {
        inject_message({ Type: "count", Payload: "7", Fields: { docType: "main", n: 3, ratio: 0.5, ok: true } });
        inject_message({ Type: "t2", Logger: "spoofed", Hostname: "elsewhere", Pid: 1, Timestamp: 5,
                         Fields: [{ name: "b", value_type: 1, value: [new Uint8Array([1, 2])] },
                                  { name: "big", value: [9007199254740993n] }] });
        try { inject_message({ Type: 5 }); } catch (e) { print(e.message); }
        try { inject_message("x"); } catch (e) { print(e.message); }
        const cyc = {}; cyc.Fields = { c: cyc };
        try { inject_message(cyc); } catch (e) { print(e.message); }
      }`);
    const r = p.timerEvent(0, false);
    expect(r.terminated).toBeUndefined();
    expect(r.debug).toEqual([
      'inject_message() failed: Type: expected a string, got number 5',
      'inject_message() failed: expected an object like {Type: "x", Payload: "...", Fields: {...}}, got the string "x"',
      'inject_message() failed: the value contains a cycle',
    ]);
    const [a, b] = r.injected;
    expect(a).toMatchObject({
      type: 'count',
      payload: '7',
      logger: p.logger,
      hostname: 'test-host',
      pid: 4242,
      timestamp: FIXED_HOST.now(),
    });
    expect(a.fields).toEqual([
      { name: 'docType', valueType: ValueType.STRING, representation: '', value: ['main'] },
      { name: 'n', valueType: ValueType.INTEGER, representation: '', value: [3] },
      { name: 'ratio', valueType: ValueType.DOUBLE, representation: '', value: [0.5] },
      { name: 'ok', valueType: ValueType.BOOL, representation: '', value: [true] },
    ]);
    expect(b).toMatchObject({ type: 't2', logger: p.logger, hostname: 'elsewhere', pid: 1, timestamp: 5n });
    expect(b.fields[0].value[0]).toEqual(new Uint8Array([1, 2]));
    expect(b.fields[1]).toMatchObject({ valueType: ValueType.INTEGER, value: [9007199254740993n] });
    expect(p.stats().injectedMessages).toBe(2);
  });

  it('enforces injection limits per call and terminates with the location', async () => {
    const timer = await plugin(`
      function process_message() { return 0 }
      function timer_event() {
        for (let i = 0; i < 11; i++) {
          inject_message({ Type: "n" + i });
        }
      }`);
    const r = timer.timerEvent(0, false);
    expect(r.injected.map((m) => m.type)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9']);
    expect(r.terminated).toEqual({
      error: 'timer_event() plugin.js:5: inject_message() failed: injection limit exceeded (timer_event_inject_limit 10)',
    });

    const pm = await plugin(`function process_message() { inject_payload("txt", "", "x"); return 0 }`);
    expect(pm.processMessages(messages.slice(0, 3))).toMatchObject({
      processed: 0,
      outputs: [],
      terminated: {
        index: 0,
        error: 'process_message() plugin.js:1: inject_payload() failed: injection limit exceeded (process_message_inject_limit 0)',
      },
    });

    const atLoad = await plugin('var a = 1;\ninject_message({ Type: "early" });\n');
    expect(atLoad.terminated?.error).toBe(
      'plugin.js:2: inject_message() failed: injection limit exceeded (nothing may be injected while the plugin loads)',
    );

    // The limit is per call: two per message is fine all batch long, a third is not.
    const two = await plugin(
      `var n = 0;
       function process_message() {
         n++;
         inject_message({ Type: "a" }); inject_message({ Type: "b" });
         if (n === 1200) inject_message({ Type: "c" });
         return 0;
       }`,
      { limits: { processMessageInjectLimit: 2 } },
    );
    const r2 = two.processMessages(messages.slice(0, 1500));
    expect(r2.injected).toHaveLength(2 * 1200);
    expect(r2.terminated).toEqual({
      index: 1199,
      error: 'process_message() plugin.js:5: inject_message() failed: injection limit exceeded (process_message_inject_limit 2)',
    });
  });

  it('prints like console.log and caps debug output per call', async () => {
    const p = await plugin(
      `function process_message() { return 0 }
       function timer_event(ns) {
         const cyc = { a: 1 }; cyc.self = cyc;
         print("s", 1, -0, 10n, true, null, undefined, [1, "two", [3]], { k: "v", "odd key": 2 });
         console.log(new Map([["a", 1]]), new Set([1]), new Date(0), /x+/g, new Uint8Array([1, 2]), cyc);
         console.error(new TypeError("bad"), function named() {}, Symbol("s"));
         if (ns > 0) for (let i = 0; i < 100; i++) print("x".repeat(100));
       }`,
      { limits: { outputBytes: 1000 } },
    );
    expect(p.timerEvent(0, false).debug).toEqual([
      's 1 -0 10n true null undefined [1, "two", [3]] { k: "v", "odd key": 2 }',
      'Map(1) { "a" => 1 } Set(1) { 1 } 1970-01-01T00:00:00.000Z /x+/g Uint8Array(2) [1, 2] { a: 1, self: [Circular] }',
      'TypeError: bad [Function named] Symbol(s)',
    ]);
    const flood = p.timerEvent(1, false);
    expect(flood.debug.length).toBeLessThan(13);
    expect(flood.debug.at(-1)).toBe('[debug output truncated: more than 1000 bytes in one call]');
    expect(p.terminated).toBeUndefined();
  });

  it('reads config values and host defaults', async () => {
    const p = await plugin(
      `function process_message() { return 0 }
       function timer_event() {
         print(read_config("threshold"), read_config("label"), read_config("flag"), read_config("missing"),
               read_config("Logger"), read_config("Hostname"), read_config("toString"));
       }`,
      { config: { threshold: 3.5, label: 'x', flag: false } },
    );
    expect(p.timerEvent(0, false).debug).toEqual([
      `3.5 x false undefined ${p.logger} test-host undefined`,
    ]);
  });

  it('decodes protobuf bytes to the list form', async () => {
    const m = message(
      [
        stringField('docType', 'main', 'second'),
        { name: 'b', valueType: ValueType.BYTES, representation: 'raw', value: [new Uint8Array([9, 8])] },
        { name: 'i', valueType: ValueType.INTEGER, representation: '', value: [2n ** 55n] },
      ],
      { type: 'telemetry', severity: 3, pid: 12 },
    );
    const p = await plugin(
      `var decoded;
       function process_message() {
         decoded = decode_message(read_message("raw"));
         print(decoded.Fields[1].value[0] instanceof Uint8Array);
         try { decode_message("nope"); } catch (e) { print(e.message); }
         try { decode_message(new Uint8Array([1, 2, 3])); } catch (e) { print(e.message); }
         return 0;
       }`,
      { config: { preserve_data: true } },
    );
    const r = p.processMessages([m]);
    expect(r.debug).toEqual([
      'true',
      'decode_message() expects a Uint8Array (e.g. read_message("raw")), got a string',
      'decode_message() failed: invalid tag 0 at byte 0',
    ]);
    expect(stateGlobals(p.saveState()!).decoded).toEqual(messageListForm(m));
  });
});

describe('loading', () => {
  it('reports syntax errors with file:line:col and runtime errors with file:line', async () => {
    const syntax = await plugin('var a = 1;\nfunction process_message( {\n  return 0;\n}\n', { filename: 'counter.js' });
    expect(syntax.terminated?.error).toMatch(/^counter\.js:\d+:\d+: SyntaxError: /);
    expect(syntax.terminated?.at).toBeInstanceOf(Date);
    expect(syntax.loadResult.terminated?.error).toBe(syntax.terminated?.error);

    const thrown = await plugin('var a = 1;\nundefinedThing();\n');
    expect(thrown.terminated?.error).toBe("plugin.js:2: ReferenceError: 'undefinedThing' is not defined");

    // Top-level code has no line of its own to give (its frame starts at line 1 whatever runs).
    const loop = await plugin('var a = 1;\nwhile (true) {}\n', { limits: { cpuMsPerCall: 50 } });
    expect(loop.terminated?.error).toBe('plugin.js: cpu_limit_ms exceeded');
    const called = await plugin('function spin() {\n  for (;;) {}\n}\nvar a = 1;\nspin();\n', { limits: { cpuMsPerCall: 50 } });
    expect(called.terminated?.error).toBe('plugin.js:1: cpu_limit_ms exceeded');

    const nonError = await plugin('throw "just a string";');
    expect(nonError.terminated?.error).toBe(
      'plugin.js: uncaught exception: "just a string" (throw an Error to get a line number)',
    );
  });

  it('keeps what top-level code prints', async () => {
    const p = await plugin('print("loading", read_message("Type"));\nfunction process_message() { return 0 }');
    expect(p.loadResult).toEqual({ outputs: [], injected: [], debug: ['loading undefined'] });
  });

  it('starts from the editor template', async () => {
    const p = await createPlugin({ owner: 'me', name: 'starter', source: PLUGIN_TEMPLATE, config: {} });
    expect(p.warnings).toEqual([]);
    p.processMessages(messages);
    const out = p.timerEvent(0, true).outputs[0];
    expect(out.topic).toBe('analysis.me.starter.doctype_counts.tsv');
    const rows = out.payload.trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(Object.fromEntries(rows.map(([k, v]) => [k, Number(v)]))).toEqual(expectedCounts(messages));
  });

  it('rejects a bad spec with a clear error', async () => {
    await expect(plugin('', { owner: 'a b' })).rejects.toThrow(/PluginSpec.owner must be letters/);
    await expect(plugin('', { filename: 'my file.js' })).rejects.toThrow(/PluginSpec.filename/);
    await expect(plugin('', { config: { x: {} as never } })).rejects.toThrow(/config.x must be a string, finite number or boolean/);
    await expect(plugin('', { config: { memory_limit: 'big' } })).rejects.toThrow(/config memory_limit must be a number/);
    await expect(plugin('', { limits: { cpuMsPerCall: 0 } })).rejects.toThrow(/cpuMsPerCall must be an integer from 1/);
    await expect(plugin('', { limits: { stackBytes: 1 << 20 } })).rejects.toThrow(/stackBytes must be an integer/);
    await expect(plugin('', { limits: { bogus: 1 } as never })).rejects.toThrow(/unknown limit bogus/);
  });

  it('takes limits from Hindsight config keys', async () => {
    const p = await plugin('function process_message() { return 0 }', {
      config: { output_limit: 1000, timer_event_inject_limit: 3, cpu_limit_ms: 50 },
      limits: { timerEventInjectLimit: 4 },
    });
    expect(p.limits).toMatchObject({ outputBytes: 1000, timerEventInjectLimit: 4, cpuMsPerCall: 50 });
  });
});

describe('stats and dispose', () => {
  it('reports memory and answers as terminated once disposed', async () => {
    const p = await plugin(COUNTER);
    p.processMessages(messages.slice(0, 10));
    const s = p.stats();
    expect(s.memoryBytes).toBeGreaterThan(10_000);
    expect(s.maxMemoryBytes).toBeGreaterThanOrEqual(s.memoryBytes);
    expect(s.processNsTotal).toBeGreaterThan(0);
    p.dispose();
    p.dispose();
    expect(p.processMessages(messages.slice(0, 1)).terminated).toEqual({ index: 0, error: 'the plugin was disposed' });
    expect(p.stats().memoryBytes).toBe(0);
  });
});
