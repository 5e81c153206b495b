/**
 * The linear pattern engine against the backtracking reference (the lstrlib
 * port), on random patterns that include the pathological ones (stacked
 * quantifiers over long subjects). Bounded by construction, not by a clock:
 * the reference runs under a small step budget (cases it cannot finish are
 * checked against the automaton's uncached simulation instead), and the
 * automaton's own work is counted: at most one computed transition per byte.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../inputs/sample-messages';
import { LuaPatternCostError, createLuaPattern, type LuaPatternDialect } from './lua-pattern';
import { balanceEndsOf, buildAutomaton, simulate, type PositionAutomaton } from './lua-pattern-automaton';
import { REGEXP_STEP_BOUND, regexpLengthLimit } from './lua-pattern-cost';
import { LazyDfa, MAX_TABLE_ENTRIES } from './lua-pattern-dfa';
import { requiredLiterals } from './lua-pattern-literal';
import { checkPattern, type PatternSyntax } from './lua-pattern-syntax';
import { bytesToBinary } from './byte-string';

const encoder = new TextEncoder();

function syntaxOf(pattern: string, dialect: LuaPatternDialect = 'heka'): PatternSyntax {
  const bytes = encoder.encode(pattern);
  const p = new Uint8Array(bytes.length + 2);
  p.set(bytes);
  return checkPattern(p, bytes.length, dialect);
}

function automatonOf(pattern: string, dialect: LuaPatternDialect = 'heka'): PositionAutomaton {
  const a = buildAutomaton(syntaxOf(pattern, dialect));
  if (!a) throw new Error(`no automaton for ${pattern}`);
  return a;
}

/** The reference's answer, or undefined when it needs more than `steps` steps. */
function reference(pattern: string, subject: string, dialect: LuaPatternDialect, steps: number): boolean | undefined {
  try {
    return createLuaPattern(pattern, { dialect, engine: 'interpreter', steps }).test(subject);
  } catch (err) {
    if (err instanceof LuaPatternCostError) return undefined;
    throw err;
  }
}

describe('pathological patterns run in linear time with unchanged answers', () => {
  // the cases: minutes or worse for the backtracking RegExps they were
  const cases: [pattern: string, subject: string, expected: boolean][] = [
    ['.*.*.*.*@', 'x'.repeat(10_000), false],
    ['.*.*.*.*@', 'x'.repeat(10_000) + '@', true],
    ['.*.*.*.*@', 'x'.repeat(200), false],
    ['a*a*a*a*b', 'a'.repeat(200), false],
    ['a*a*a*a*b', 'a'.repeat(260), false],
    ['a*a*a*a*b', 'a'.repeat(65_536), false],
    ['a*a*a*a*b', 'a'.repeat(65_536) + 'b', true],
    ['a-a-a-a-b', 'a'.repeat(10_000), false],
    ['%s+$', ' '.repeat(20_000) + 'x', false],
    ['a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaaaaaaaaaa', 'a'.repeat(19), false],
    ['%b()x', '('.repeat(20_000) + ')', false],
  ];

  it.each(cases.map(([p, s, e]) => [p, s.length, p, s, e]))('%j over %i bytes', (_p, _n, pattern, subject, expected) => {
    const auto = createLuaPattern(pattern as string, { dialect: 'heka' });
    expect(auto.engine).toBe('automaton');
    expect(auto.test(subject as string)).toBe(expected);
    expect(auto.testBytes(encoder.encode(subject as string))).toBe(expected);
    // where there is no match, the reference cannot say so within a million steps: these really are the slow ones
    const answer = reference(pattern as string, subject as string, 'heka', 1_000_000);
    if (expected) expect(answer ?? true).toBe(true);
    else expect(answer).toBeUndefined();
  });

  it('costs at most one computed transition per byte, and a bounded table', () => {
    const dfa = new LazyDfa(automatonOf('.*.*.*.*@'));
    const subject = 'x'.repeat(10_000);
    expect(dfa.testString(subject)).toBe(false);
    expect(dfa.work.transitions).toBeLessThanOrEqual(subject.length);
    const before = dfa.work.transitions;
    expect(dfa.testString(subject)).toBe(false);
    expect(dfa.work.transitions).toBe(before); // the second time every step is a table read
    expect(dfa.stateCount).toBeLessThan(10);
  });

  it('clears its table when a pattern meets more state sets than fit, and still answers right', () => {
    // the last 11 bytes decide: 2^11 state sets on random a/b text, more than the table holds
    const pattern = '[ab]*a[ab][ab][ab][ab][ab][ab][ab][ab][ab][ab]$';
    const automaton = automatonOf(pattern);
    const dfa = new LazyDfa(automaton);
    const rng = createRng(7);
    let bytes = 0;
    for (let t = 0; t < 20; t++) {
      let s = '';
      for (let i = 0; i < 2_000; i++) s += rng() < 0.5 ? 'a' : 'b';
      s += t % 2 ? 'a' + 'b'.repeat(10) : 'b'.repeat(11);
      bytes += s.length;
      expect(dfa.testString(s), `subject ${t}`).toBe(simulate(automaton, s));
      expect(dfa.stateCount).toBeLessThanOrEqual(MAX_TABLE_ENTRIES / 256);
    }
    expect(dfa.work.clears).toBeGreaterThan(0);
    expect(dfa.work.simulations).toBeGreaterThan(0); // searches that kept clearing finished on the automaton
    expect(dfa.work.transitions).toBeLessThanOrEqual(bytes);
  });

  it('back-references (Lua 5.1 only) run under a step budget and say when it is spent', () => {
    const p = createLuaPattern('(a*)(a*)(a*)(a*)%1b', { dialect: 'lua51' });
    expect(p.engine).toBe('interpreter');
    expect(p.test('aaab')).toBe(true);
    expect(() => p.test('a'.repeat(200))).toThrow(LuaPatternCostError);
    expect(() => p.test('a'.repeat(200))).toThrow(/^pattern too costly: no answer within 1000000 matching steps$/);
    const small = createLuaPattern('(a*)(a*)(a*)(a*)%1b', { dialect: 'lua51', steps: 10 });
    expect(() => small.testBytes(encoder.encode('aaaaaaaaaa'))).toThrow(LuaPatternCostError);
  });
});

describe('differential fuzz: the linear engine against the backtracking reference', () => {
  const ITEMS = ['a', 'b', '@', '.', '%a', '%d', '%s', '%w', '%A', '%z', '%.', 'é', '(', ')', '[ab]', '[^a]', '[%a%d]', '[é]', '[^%s]'];
  // unbounded quantifiers are frequent: stacked ones make the pathological cases
  const QUANTIFIERS = ['', '', '*', '*', '+', '-', '-', '?'];
  const SPECIAL = ['%f[%a]', '%f[%A]', '%f[%z]', '%f[^%z]', '%f[ab]', '%b()', '%bab', '%b""', '%b))'];
  const CHARS = ['a', 'a', 'a', 'b', 'b', '@', ' ', '1', '(', ')', '"', 'é', '😀', '\0', '.'];

  function randomPattern(rng: () => number): string {
    const pick = <T>(xs: readonly T[]): T => xs[(rng() * xs.length) | 0];
    let p = rng() < 0.25 ? '^' : '';
    const n = 1 + ((rng() * 8) | 0);
    for (let i = 0; i < n; i++) p += rng() < 0.15 ? pick(SPECIAL) : pick(ITEMS) + pick(QUANTIFIERS);
    if (rng() < 0.25) p += '$';
    return p;
  }

  function randomSubject(rng: () => number): string {
    const r = rng();
    // short subjects, subjects around the RegExp length limits, long runs of one char (the slow case)
    const n = r < 0.5 ? (rng() * 12) | 0 : r < 0.85 ? 20 + ((rng() * 200) | 0) : 200 + ((rng() * 2_000) | 0);
    if (rng() < 0.3) return 'a'.repeat(n) + (rng() < 0.5 ? CHARS[(rng() * CHARS.length) | 0] : '');
    let s = '';
    for (let i = 0; i < n; i++) s += CHARS[(rng() * CHARS.length) | 0];
    return s;
  }

  it('agrees on 3000 random patterns x 8 subjects (heka dialect), string and bytes', () => {
    const rng = createRng(11);
    let compared = 0;
    let matches = 0;
    let referenceGaveUp = 0;
    for (let i = 0; i < 3_000; i++) {
      const pattern = randomPattern(rng);
      const auto = createLuaPattern(pattern, { dialect: 'heka' });
      const automaton = createLuaPattern(pattern, { dialect: 'heka', engine: 'automaton' });
      const a = buildAutomaton(syntaxOf(pattern))!;
      for (let j = 0; j < 8; j++) {
        const subject = randomSubject(rng);
        const where = `find(${JSON.stringify(subject.length > 60 ? subject.slice(0, 60) + '...' : subject)} [${subject.length}], ${JSON.stringify(pattern)})`;
        const bytes = encoder.encode(subject);
        let expected = reference(pattern, subject, 'heka', 20_000);
        if (expected === undefined) {
          // too slow for the reference: the uncached simulation is the check (the DFA is a cache over it)
          referenceGaveUp++;
          expected = simulate(a, bytesToBinary(bytes));
        } else {
          compared++;
          if (expected) matches++;
          if (a.balances.length === 0) expect(simulate(a, bytesToBinary(bytes)), `${where} simulation`).toBe(expected);
        }
        expect(auto.test(subject), `${where} [${auto.engine}]`).toBe(expected);
        expect(auto.testBytes(bytes), `${where} bytes [${auto.engine}]`).toBe(expected);
        expect(automaton.test(subject), `${where} automaton`).toBe(expected);
        expect(automaton.testBytes(bytes), `${where} automaton bytes`).toBe(expected);
      }
    }
    // both answers and the reference's give-ups are well represented, so agreement means something
    expect(compared).toBeGreaterThan(15_000);
    expect(matches).toBeGreaterThan(3_000);
    expect(compared - matches).toBeGreaterThan(3_000);
    expect(referenceGaveUp).toBeGreaterThan(100);
  });

  it('agrees on long patterns (state sets of several words) over a small alphabet', () => {
    const rng = createRng(29);
    // each item with a text it accepts, so subjects built from them (then perhaps spoiled) often match
    const ITEMS_LONG: [item: string, text: () => string][] = [
      ['a', () => 'a'],
      ['a*', () => 'a'.repeat((rng() * 3) | 0)],
      ['a?', () => (rng() < 0.5 ? 'a' : '')],
      ['b?', () => (rng() < 0.5 ? 'b' : '')],
      ['.', () => 'abc'[(rng() * 3) | 0]],
      ['.-', () => 'ab'.slice(0, (rng() * 3) | 0)],
      ['%f[a]', () => ''],
      ['%f[^a]', () => ''],
      ['a+', () => 'a'.repeat(1 + ((rng() * 2) | 0))],
      ['[ab]*', () => 'ba'.slice(0, (rng() * 3) | 0)],
      ['b', () => 'b'],
    ];
    const junk = (n: number) => Array.from({ length: n }, () => 'abc'[(rng() * 3) | 0]).join('');
    let compared = 0;
    let matches = 0;
    let words = 0;
    for (let i = 0; i < 300; i++) {
      const n = 30 + ((rng() * 50) | 0);
      const anchored = rng() < 0.3;
      let pattern = anchored ? '^' : '';
      let text = '';
      for (let k = 0; k < n; k++) {
        // frontiers rarely hold at a random place: few of them
        const [item, accepted] = ITEMS_LONG[(rng() * ITEMS_LONG.length) | 0];
        if (item.startsWith('%f') && rng() < 0.85) continue;
        pattern += item;
        text += accepted();
      }
      const dollar = rng() < 0.3;
      if (dollar) pattern += '$';
      const a = buildAutomaton(syntaxOf(pattern))!;
      words = Math.max(words, a.words);
      const auto = createLuaPattern(pattern, { dialect: 'heka' });
      for (let j = 0; j < 6; j++) {
        let subject = (anchored ? '' : junk((rng() * 10) | 0)) + text + (dollar ? '' : junk((rng() * 10) | 0));
        if (rng() < 0.5) {
          const at = (rng() * subject.length) | 0;
          subject = subject.slice(0, at) + 'abc'[(rng() * 3) | 0] + subject.slice(at + 1);
        }
        const expected = reference(pattern, subject, 'heka', 20_000);
        if (expected === undefined) continue;
        compared++;
        if (expected) matches++;
        const where = `find(${JSON.stringify(subject)}, ${JSON.stringify(pattern)})`;
        expect(auto.test(subject), where).toBe(expected);
        expect(simulate(a, subject), `${where} simulation`).toBe(expected);
      }
    }
    expect(words).toBeGreaterThanOrEqual(3);
    expect(compared).toBeGreaterThan(600);
    expect(matches).toBeGreaterThan(200);
    expect(compared - matches).toBeGreaterThan(200);
  });

  it('agrees around each pattern’s RegExp length limit (short subjects go to the RegExp)', () => {
    const rng = createRng(5);
    const patterns = ['%s+$', 'a.*b', '^.-x$', '[ab]+@', 'a?b?c?d?e?f', '%d+%.%d+', '.*.*.*.*@', '"k":"%x+%-'];
    for (const pattern of patterns) {
      const limit = regexpLengthLimit(syntaxOf(pattern));
      expect(limit, pattern).toBeLessThan(Infinity);
      const auto = createLuaPattern(pattern, { dialect: 'heka' });
      const a = buildAutomaton(syntaxOf(pattern))!;
      for (const n of [0, 1, limit - 1, limit, limit + 1, 2 * limit + 3]) {
        for (let t = 0; t < 20; t++) {
          let s = '';
          for (let i = 0; i < n; i++) s += 'ab @.1x"k:-'[(rng() * 12) | 0] ?? 'a';
          const expected = reference(pattern, s, 'heka', 200_000) ?? simulate(a, s);
          expect(auto.test(s), `find(${JSON.stringify(s)}, ${JSON.stringify(pattern)})`).toBe(expected);
        }
      }
    }
  });
});

describe('regexpLengthLimit', () => {
  it('is Infinity where backtracking is linear', () => {
    for (const p of ['^abc', 'abc$', '%f[%a]x', '^a?b?c?d?e?$', 'a?b?c?d?x']) expect(regexpLengthLimit(syntaxOf(p)), p).toBe(Infinity);
  });

  it('is the longest subject whose worst case stays under REGEXP_STEP_BOUND', () => {
    // items * 2^optionals * (n+1)^(unbounded + (anchored ? 0 : 1))
    const cases: [pattern: string, perPath: number, exponent: number][] = [
      ['%d+', 1, 2],
      ['^%a+$', 2, 1],
      ['.*.*.*.*@', 5, 5],
      ['a?b?c?d?e?f', 6 * 32, 1],
      ['^x?.*y?z', 4 * 4, 1],
    ];
    for (const [pattern, perPath, exponent] of cases) {
      const n = regexpLengthLimit(syntaxOf(pattern));
      expect(perPath * (n + 1) ** exponent, pattern).toBeLessThanOrEqual(REGEXP_STEP_BOUND);
      expect(perPath * (n + 2) ** exponent, pattern).toBeGreaterThan(REGEXP_STEP_BOUND);
    }
  });

  it('is 0 for patterns with no RegExp form', () => {
    expect(regexpLengthLimit(syntaxOf('%b()x'))).toBe(0);
    expect(regexpLengthLimit(syntaxOf('(a)%1', 'lua51'))).toBe(0);
  });
});

describe('requiredLiterals', () => {
  it('finds the longest run every match holds, and the run matches start with', () => {
    const cases: [pattern: string, longest: string, prefix: string][] = [
      ['err.-timeout', 'timeout', 'err'],
      ['^abc.*', 'abc', ''], // anchored: the search starts at 0 anyway
      ['a+b', 'ab', 'a'],
      ['x*abc', 'abc', ''],
      ['[ab]c', 'c', ''],
      ['%.x%d+', '.x', '.x'],
      ['é.*xy', 'xy', ''], // non-ASCII bytes are left out
      ['%f[%a]word', 'word', ''],
      ['a?', '', ''],
      ['"clientId":"%x+%-', '"clientId":"', '"clientId":"'],
    ];
    for (const [pattern, longest, prefix] of cases) {
      expect(requiredLiterals(syntaxOf(pattern)), pattern).toEqual({ longest, prefix });
    }
  });
});

describe('balanceEndsOf', () => {
  /** lstrlib's matchbalance from s, as the interpreter runs it. */
  function matchBalance(s: string, at: number, open: number, close: number): number {
    if (at >= s.length || s.charCodeAt(at) !== open) return -1;
    let cont = 1;
    for (let i = at + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === close) {
        if (--cont === 0) return i + 1;
      } else if (c === open) cont++;
    }
    return -1;
  }

  it('gives matchbalance’s end at every position in one pass', () => {
    const rng = createRng(3);
    for (const [open, close] of [
      ['(', ')'],
      ['"', '"'],
      ['a', 'b'],
    ]) {
      for (let t = 0; t < 200; t++) {
        let s = '';
        const n = (rng() * 40) | 0;
        for (let i = 0; i < n; i++) s += '()"abx'[(rng() * 6) | 0];
        const o = open.charCodeAt(0);
        const c = close.charCodeAt(0);
        const ends = balanceEndsOf(s, o, c);
        for (let at = 0; at <= s.length; at++) expect(ends[at], `${JSON.stringify(s)} at ${at}`).toBe(matchBalance(s, at, o, c));
      }
    }
  });
});
