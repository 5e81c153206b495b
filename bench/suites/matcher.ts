/**
 * Message matcher throughput: evaluations per second of compiled matchers over
 * the sample telemetry mix, each beside the same test hand-written in plain JS
 * and measured in the same run.
 *
 * matcher.telemetry_main evaluates the test as the engine does: on
 * records read in place just before (a batch at a time). The _decoded figure
 * runs compileMatcher's closures on decoded messages held in the CPU caches,
 * as lua_sandbox measures its C matcher; the _sweep figures run the same test
 * over 100k messages held in memory beforehand, which measures memory more
 * than matching. The other figures sweep decoded messages too.
 */
import { sampleMessages } from '../../engine/inputs/sample-messages';
import { createLuaPattern } from '../../engine/matcher/index';
import { compileMatcher } from '../../engine/matcher/index';
import { compileNodeInPlace } from '../../engine/matcher/compile';
import { parseMatcher } from '../../engine/matcher/parse';
import { LazyMessage, readMessageLazily } from '../../engine/message/lazy-message';
import { encodeMessage } from '../../engine/message/protobuf';
import { readField } from '../../engine/message/fields';
import { ValueType, type Message } from '../../engine/message/message';
import { parseRfc3339 } from '../../engine/message/time';
import { DEFAULT_MAX_BATCH } from '../../engine/runtime/analysis-thread';
import { recordBatches, type RecordBatch } from '../record-batches';
import type { Figure } from '../figure';

const COUNT = 100_000;
const PASSES = 3; // evaluations per timed pass: COUNT * PASSES
const ROUNDS = 7;

type Predicate = (m: Message) => boolean;

// The headline test, and the same written by hand (the baseline of the decoded figures).
const TELEMETRY_MAIN = "Type == 'telemetry' && Fields[docType] == 'main'";
const telemetryMainByHand: Predicate = (m) => m.type === 'telemetry' && readField(m, 'docType') === 'main';
const TELEMETRY_MAIN_BY_HAND = "m.type === 'telemetry' && readField(m, 'docType') === 'main'";

/** One timed pass: COUNT * PASSES evaluations; returns seconds and the number of matches. */
function pass(messages: Message[], test: Predicate): [seconds: number, matched: number] {
  let matched = 0;
  const t0 = process.hrtime.bigint();
  const passes = passesFor(messages);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < messages.length; i++) if (test(messages[i])) matched++;
  }
  return [Number(process.hrtime.bigint() - t0) / 1e9, matched / passes];
}

/** Enough passes over `messages` for COUNT * PASSES evaluations. */
function passesFor(messages: Message[]): number {
  return Math.max(1, Math.round((COUNT * PASSES) / messages.length));
}

/**
 * Evaluations per second of `value` and `baseline`, timed in alternation
 * (median of ROUNDS each) so load from other processes hits both alike.
 */
function compare(messages: Message[], value: Predicate, baseline: Predicate): { value: number; baseline: number; matched: number } {
  return alternate(
    messages.length * passesFor(messages),
    () => pass(messages, value),
    () => pass(messages, baseline),
  );
}

/**
 * `evaluations` per timed pass of `value` and of `baseline` (each returning
 * its seconds and matches), per second: warmed up, then timed in alternation,
 * median of ROUNDS each.
 */
function alternate(
  evaluations: number,
  value: () => [seconds: number, matched: number],
  baseline: () => [seconds: number, matched: number],
): { value: number; baseline: number; matched: number } {
  value();
  baseline();
  const v: number[] = [];
  const b: number[] = [];
  let matched = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    if (first) b.push(baseline()[0]);
    const [seconds, n] = value();
    v.push(seconds);
    matched = n;
    if (!first) b.push(baseline()[0]);
  }
  return { value: evaluations / median(v), baseline: evaluations / median(b), matched };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function figure(
  name: string,
  messages: Message[],
  expression: string,
  baseline: Predicate,
  note: string,
  target?: number,
): Figure {
  const matcher = compileMatcher(expression);
  // same answers, or the comparison means nothing
  for (const m of messages) {
    if (matcher(m) !== baseline(m)) throw new Error(`${name}: matcher and baseline disagree`);
  }
  const measured = compare(messages, matcher, baseline);
  const share = ((100 * measured.matched) / messages.length).toFixed(1);
  return {
    name,
    unit: 'eval/s',
    value: measured.value,
    baseline: measured.baseline,
    ...(target !== undefined ? { target } : {}),
    note: `${JSON.stringify(expression)} (${share}% match); baseline ${note}`,
  };
}

/** Each record of a batch read in place, as AnalysisCore.processRecords reads them. */
function readBatch(batch: RecordBatch): LazyMessage[] {
  const lazy: LazyMessage[] = [];
  let start = 0;
  for (const end of batch.ends) {
    const m = readMessageLazily(batch.data, start, end);
    if (!(m instanceof LazyMessage)) throw new Error('a sample record was not read in place');
    lazy.push(m);
    start = end;
  }
  return lazy;
}

const TELEMETRY_MAIN_IN_PLACE_BY_HAND: Predicate = (m) => m.type === 'telemetry' && (m as LazyMessage).readField('docType') === 'main';

/**
 * The test as the engine evaluates it, over the realistic mix: the
 * records arrive in batches of DEFAULT_MAX_BATCH, each batch is read in place just
 * before its matchers run (so its records are in the CPU caches, as in the
 * analysis worker), and the expression is compiled for in-place messages as
 * the matcher index compiles it. Only the evaluations are timed; each pass
 * reads every batch afresh, so nothing read by one evaluation is kept for
 * the next. Baseline: the same test hand-written in plain JS on the same
 * LazyMessages.
 */
function engineFigure(messages: Message[]): Figure {
  const batches = recordBatches(messages.map((m) => encodeMessage(m)));
  const matcher = compileNodeInPlace(parseMatcher(TELEMETRY_MAIN)) as Predicate;
  const baseline = TELEMETRY_MAIN_IN_PLACE_BY_HAND;
  const any = compileMatcher(TELEMETRY_MAIN);
  let i = 0;
  for (const batch of batches) {
    for (const m of readBatch(batch)) {
      if (matcher(m) !== baseline(m) || matcher(m) !== any(messages[i++])) throw new Error('matcher.telemetry_main: the answers disagree');
    }
  }
  const timed = (test: Predicate): [seconds: number, matched: number] => {
    let ns = 0n;
    let matched = 0;
    for (const batch of batches) {
      const lazy = readBatch(batch);
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < lazy.length; k++) if (test(lazy[k])) matched++;
      ns += process.hrtime.bigint() - t0;
    }
    return [Number(ns) / 1e9, matched];
  };
  const measured = alternate(messages.length, () => timed(matcher), () => timed(baseline));
  return {
    name: 'matcher.telemetry_main',
    unit: 'eval/s',
    value: measured.value,
    baseline: measured.baseline,
    target: 15e6,
    note:
      `${JSON.stringify(TELEMETRY_MAIN)} (${((100 * measured.matched) / messages.length).toFixed(1)}% match) over the ${messages.length}-message mix as the analysis worker evaluates it: ` +
      `batches of ${DEFAULT_MAX_BATCH} records, each read in place just before its matchers run, the expression compiled for in-place messages; evaluations only are timed; ` +
      "baseline m.type === 'telemetry' && m.readField('docType') === 'main' on the same LazyMessages",
  };
}

/**
 * The same test swept over the same 100k messages read in place beforehand
 * (all LazyMessages kept, 40 MiB of records back to back): each evaluation is
 * the first touch of its record in a while, as no engine path does (the
 * worker and Run Matcher read a record just before matching it). Reported to
 * show what memory costs: this figure follows how fast the machine streams
 * the records, not the matcher. Baseline: the same hand-written test.
 */
function sweepInPlaceFigure(messages: Message[]): Figure {
  const [batch] = recordBatches(messages.map((m) => encodeMessage(m)), messages.length);
  const lazy = readBatch(batch);
  const matcher = compileNodeInPlace(parseMatcher(TELEMETRY_MAIN)) as Predicate;
  const measured = compare(lazy, matcher, TELEMETRY_MAIN_IN_PLACE_BY_HAND);
  return {
    name: 'matcher.telemetry_main_sweep_in_place',
    unit: 'eval/s',
    value: measured.value,
    baseline: measured.baseline,
    note:
      `${JSON.stringify(TELEMETRY_MAIN)} (${((100 * measured.matched) / lazy.length).toFixed(1)}% match) swept over ${lazy.length} messages read in place beforehand (${(batch.data.length / 1048576).toFixed(0)} MiB of records), ` +
      'so memory-bound: each evaluation is the first touch of its record, which no engine path does; ' +
      "baseline m.type === 'telemetry' && m.readField('docType') === 'main' on the same LazyMessages",
  };
}

export async function run(): Promise<Figure[]> {
  const messages = sampleMessages(COUNT, 1);
  const figures: Figure[] = [engineFigure(messages)];

  // Decoded messages (compileMatcher's closures on object graphs) that stay
  // in the CPU caches, as lua_sandbox's benchmark_match measures its C
  // matcher (one decoded message, a million evaluations): 2,000 of the mix.
  const decoded = figure(
    'matcher.telemetry_main_decoded',
    messages.slice(0, 2_000),
    TELEMETRY_MAIN,
    telemetryMainByHand,
    TELEMETRY_MAIN_BY_HAND,
    15e6,
  );
  decoded.note += "; over 2,000 decoded messages of the mix, cache-resident (lua_sandbox's benchmark_match: one decoded message)";
  figures.push(decoded);

  // The same swept over all 100k decoded messages: memory-bound. Seen here:
  // 15-19 M/s when V8 pretenures the sample's objects (each message's parts
  // allocated side by side in old space), 5-8 M/s when the young-generation
  // GC copies them (breadth first: a message's fields end up far from it);
  // which one a run gets depends on the process's history.
  const sweep = figure('matcher.telemetry_main_sweep_decoded', messages, TELEMETRY_MAIN, telemetryMainByHand, TELEMETRY_MAIN_BY_HAND);
  sweep.note += `; swept over ${COUNT} decoded messages (memory-bound: from run to run this and the baseline swing together by 2-3x with how V8 lays the objects out)`;
  figures.push(sweep);

  figures.push(sweepInPlaceFigure(messages));

  const hostRe = /^ip-10-0-[34]-/;
  figures.push(
    figure(
      'matcher.pattern',
      messages,
      "Hostname =~ '^ip%-10%-0%-[34]%-' && Fields[appVersion] =~ 'esr$'",
      (m) => {
        if (m.hostname === undefined || !hostRe.test(m.hostname)) return false;
        const v = readField(m, 'appVersion');
        return typeof v === 'string' && v.endsWith('esr');
      },
      "a hand-written RegExp and endsWith('esr') on the same values",
    ),
  );

  const from = parseRfc3339('2026-11-18T11:07:00Z')!;
  const to = parseRfc3339('2026-11-18T11:07:40Z')!;
  figures.push(
    figure(
      'matcher.numeric',
      messages,
      "Timestamp >= '2026-11-18T11:07:00Z' && Timestamp < '2026-11-18T11:07:40Z' && Fields[size] > 10000",
      (m) => {
        if (m.timestamp < from || m.timestamp >= to) return false;
        const v = readField(m, 'size');
        return typeof v === 'number' && v > 10000;
      },
      'bigint comparisons and readField in plain JS',
    ),
  );

  // Realistic: a process holds many matchers, so the closures' shared call sites see many targets.
  for (const e of [
    "Type == 'nginx.access' && Fields[status] >= 500",
    "Logger =~ '^decoder%.' && Severity < 4",
    "Fields[normalizedChannel] != 'release' || Pid == NIL",
    "Type == 'metric' && Fields[name] =~ '^cpu%.' && Fields[value] > 50",
    "Fields[hasCrashEnvironment] == TRUE && Payload =~ 'crash'%",
    "Uuid =~ '^0' && Timestamp > 0 && Hostname != 'x'",
  ]) {
    const m = compileMatcher(e);
    for (let i = 0; i < 20_000; i++) m(messages[i]);
  }
  const crowded = figure(
    'matcher.telemetry_main_crowded',
    messages,
    TELEMETRY_MAIN,
    telemetryMainByHand,
    TELEMETRY_MAIN_BY_HAND,
  );
  crowded.note += '; measured after six other matchers ran in the process (polymorphic closures)';
  figures.push(crowded);

  // The lstrlib port (now only for Lua 5.1 back-references, under a step budget), against the RegExp path.
  const hosts = messages.map((m) => m.hostname ?? '');
  const viaRegExp = createLuaPattern('^ip%-10%-0%-[34]%-', { dialect: 'heka' });
  const viaPort = createLuaPattern('^ip%-10%-0%-[34]%-', { dialect: 'heka', engine: 'interpreter' });
  for (const h of hosts) {
    if (viaPort.test(h) !== viaRegExp.test(h)) throw new Error('pattern engines disagree');
  }
  const engines = compare(
    messages,
    (m) => viaPort.test(m.hostname ?? ''),
    (m) => viaRegExp.test(m.hostname ?? ''),
  );
  figures.push({
    name: 'lua_pattern.interpreter',
    unit: 'eval/s',
    value: engines.value,
    baseline: engines.baseline,
    note: "'^ip%-10%-0%-[34]%-' on Hostname by the lstrlib port (now used only for Lua 5.1 back-references, which matchers never have); baseline the translated RegExp",
  });

  figures.push(...pathologicalFigures(), quantifiedMixFigure(messages));

  return figures;
}

// ---- issue 11: bounded pattern cost ---------------------------------------

/** CPU seconds of fn() for this process (other processes' load does not count). */
function cpuSeconds(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
}

/**
 * CPU seconds per call of `value` and `baseline` (each repeated enough for
 * ~20 ms a sample), timed in alternation, median of ROUNDS each.
 */
function cpuPerCall(value: () => void, baseline: () => void): { value: number; baseline: number } {
  const reps = (fn: () => void) => Math.max(1, Math.ceil(0.02 / Math.max(1e-7, cpuSeconds(fn))));
  const rv = reps(value);
  const rb = reps(baseline);
  const v: number[] = [];
  const b: number[] = [];
  const repeat = (fn: () => void, n: number) => () => {
    for (let i = 0; i < n; i++) fn();
  };
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) b.push(cpuSeconds(repeat(baseline, rb)) / rb);
    v.push(cpuSeconds(repeat(value, rv)) / rv);
    if (r % 2 === 1) b.push(cpuSeconds(repeat(baseline, rb)) / rb);
  }
  return { value: median(v), baseline: median(b) };
}

/**
 * Matcher evaluation time per message for the pathological patterns
 * (minutes or worse as the backtracking RegExps they compiled to), over
 * values up to the 64 KiB message limit. Baseline: the same test written by
 * hand in plain JS (for 'a*a*a*a*b', "holds a 'b'"), same run. The note
 * gives the old RegExp's time on a 40-byte value, also this run.
 */
function pathologicalFigures(): Figure[] {
  const base: Message = { uuid: new Uint8Array(16), timestamp: 0n, fields: [] };
  const payload = (p: string): Message => ({ ...base, type: 'boom', payload: p });
  const clientId = (v: string): Message => ({ ...base, fields: [{ name: 'clientId', valueType: ValueType.STRING, representation: '', value: [v] }] });
  const hasB: Predicate = (m) => m.type === 'boom' && m.payload !== undefined && m.payload.includes('b');
  const hasAt: Predicate = (m) => {
    const v = readField(m, 'clientId');
    return typeof v === 'string' && v.includes('@');
  };
  const hasBOrC: Predicate = (m) => m.payload !== undefined && /[bc]/.test(m.payload);
  // '[ab]*a' then k '[ab]' at the end: the automaton meets 2^(k+1) state sets on random a/b text, more
  // than its DFA table holds (its worst case); k = 60 is the longest such pattern a matcher string holds
  const thrash = (k: number) => '[ab]*a' + '[ab]'.repeat(k) + '$';
  const thrashByHand =
    (k: number): Predicate =>
    (m) => {
      const p = m.payload ?? '';
      if (p.length < k + 1 || p[p.length - k - 1] !== 'a') return false;
      for (let i = p.length - k; i < p.length; i++) if (p[i] !== 'a' && p[i] !== 'b') return false;
      return true;
    };
  let ab = '';
  for (let i = 0, x = 1; i < 65_000; i++) ab += (x = (x * 1103515245 + 12345) >>> 0) & 0x10000 ? 'a' : 'b';
  const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  const trailingSpace: Predicate = (m) => m.payload !== undefined && m.payload.length > 0 && isSpace(m.payload.charCodeAt(m.payload.length - 1));

  const cases: [name: string, expression: string, message: Message, baseline: Predicate, byHand: string][] = [
    ['a4b_200', "Type == 'boom' && Payload =~ 'a*a*a*a*b'", payload('a'.repeat(200)), hasB, "m.payload.includes('b')"],
    ['a4b_260', "Type == 'boom' && Payload =~ 'a*a*a*a*b'", payload('a'.repeat(260)), hasB, "m.payload.includes('b')"],
    ['a4b_10k', "Type == 'boom' && Payload =~ 'a*a*a*a*b'", payload('a'.repeat(10_000)), hasB, "m.payload.includes('b')"],
    ['a4b_65k', "Type == 'boom' && Payload =~ 'a*a*a*a*b'", payload('a'.repeat(65_000)), hasB, "m.payload.includes('b')"],
    ['dotstar4_200', "Fields[clientId] =~ '.*.*.*.*@'", clientId('x'.repeat(200)), hasAt, "clientId.includes('@')"],
    ['dotstar4_10k', "Fields[clientId] =~ '.*.*.*.*@'", clientId('x'.repeat(10_000)), hasAt, "clientId.includes('@')"],
    ['dotstar4_65k', "Fields[clientId] =~ '.*.*.*.*@'", clientId('x'.repeat(65_000)), hasAt, "clientId.includes('@')"],
    // no literal to look for first: the automaton reads every byte
    ['a4bc_260', "Payload =~ 'a*a*a*a*[bc]'", payload('a'.repeat(260)), hasBOrC, '/[bc]/.test(m.payload)'],
    ['a4bc_65k', "Payload =~ 'a*a*a*a*[bc]'", payload('a'.repeat(65_000)), hasBOrC, '/[bc]/.test(m.payload)'],
    ['trailing_space_65k', "Payload =~ '%s+$'", payload(' '.repeat(65_000) + 'x'), trailingSpace, 'a test of the last char'],
    ['dfa_thrash_65k', `Payload =~ '${thrash(10)}'`, payload(ab.slice(0, -11) + 'b'.repeat(11)), thrashByHand(10), 'a loop over the last 11 chars'],
    ['dfa_thrash_wide_65k', `Payload =~ '${thrash(60)}'`, payload(ab.slice(0, -61) + 'b'.repeat(61)), thrashByHand(60), 'a loop over the last 61 chars'],
  ];

  const old = createLuaPattern('a*a*a*a*b', { dialect: 'heka', engine: 'regexp' });
  const oldSeconds = cpuSeconds(() => old.test('a'.repeat(40)));

  return cases.map(([name, expression, message, baseline, byHand]) => {
    const matcher = compileMatcher(expression);
    if (matcher(message) !== baseline(message)) throw new Error(`${name}: matcher and baseline disagree`);
    const t = cpuPerCall(
      () => matcher(message),
      () => baseline(message),
    );
    const bytes = (message.payload ?? String(readField(message, 'clientId'))).length;
    return {
      name: `matcher.pathological_${name}`,
      unit: 'µs/msg',
      value: t.value * 1e6,
      baseline: t.baseline * 1e6,
      note:
        `${JSON.stringify(expression.length > 90 ? expression.slice(0, 60) + '...' : expression)} on one message with a ${bytes}-byte value (no match), CPU time per evaluation (lower is better); ` +
        `baseline the same test by hand (${byHand}); the old backtracking RegExp took ${(oldSeconds * 1e3).toFixed(1)} ms for 'a*a*a*a*b' on 40 bytes in this run`,
    };
  });
}

/**
 * Patterns with '*', '+' or '-' over the sample mix, which moved from V8's
 * RegExps to the linear automaton (RegExp kept for short values): the new
 * engine against the old RegExp on the same values, same run. The sample's
 * values are short and benign, so the old RegExps finish here.
 */
function quantifiedMixFigure(messages: Message[]): Figure {
  const set: [pattern: string, value: (m: Message) => string][] = [
    ['^ip.*%-3%-', (m) => m.hostname ?? ''],
    ['%d+', (m) => m.hostname ?? ''],
    ['err.-timeout', (m) => m.payload ?? ''],
    ['%s+$', (m) => m.payload ?? ''],
    ['a.*b.*c', (m) => m.payload ?? ''],
    ['"clientId":"%x+%-', (m) => m.payload ?? ''],
    ['Thunder.*bird', (m) => m.payload ?? ''],
    ['^{.*}$', (m) => m.payload ?? ''],
  ];
  const slice = messages.slice(0, 20_000);
  const inputs = set.map(([pattern, value]) => ({
    now: createLuaPattern(pattern, { dialect: 'heka' }),
    before: createLuaPattern(pattern, { dialect: 'heka', engine: 'regexp' }),
    values: slice.map(value),
  }));
  let matched = 0;
  for (const { now, before, values } of inputs) {
    for (const v of values) {
      if (now.test(v) !== before.test(v)) throw new Error(`lua_pattern.quantified_mix: ${now.source} disagrees on ${JSON.stringify(v)}`);
      if (now.test(v)) matched++;
    }
  }
  const sweep = (which: 'now' | 'before') => () => {
    for (const input of inputs) {
      const test = input[which].test;
      for (const v of input.values) test(v);
    }
  };
  const t = cpuPerCall(sweep('now'), sweep('before'));
  const evaluations = inputs.length * slice.length;
  return {
    name: 'lua_pattern.quantified_mix',
    unit: 'eval/s',
    value: evaluations / t.value,
    baseline: evaluations / t.baseline,
    note:
      `${set.map(([p]) => p).join(' ')} on Hostname or Payload of ${slice.length} sample messages (${((100 * matched) / evaluations).toFixed(1)}% match), CPU time; ` +
      'now: the linear automaton (V8 RegExp for short values, substring prefilters); baseline the backtracking RegExp every one of them compiled to before issue 11',
  };
}
