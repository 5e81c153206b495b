import { describe, expect, it } from 'vitest';
import { createRng } from '../inputs/sample-messages';
import { compileLuaPattern, createLuaPattern, LuaPatternError, type LuaPatternDialect } from './lua-pattern';

type Case = readonly [pattern: string, subject: string, expected: boolean];

/** Runs a case through every engine that can run it and expects the same answer from each. */
function expectFind(pattern: string, subject: string, expected: boolean, dialect: LuaPatternDialect = 'lua51'): void {
  const auto = createLuaPattern(pattern, { dialect });
  const label = `${dialect} find(${JSON.stringify(subject)}, ${JSON.stringify(pattern)}) [${auto.engine}]`;
  expect(auto.test(subject), label).toBe(expected);
  if (auto.engine === 'plain') return;
  const interpreter = createLuaPattern(pattern, { dialect, engine: 'interpreter' });
  expect(interpreter.engine).toBe('interpreter');
  expect(interpreter.test(subject), `${label} interpreter`).toBe(expected);
  let automaton;
  try {
    automaton = createLuaPattern(pattern, { dialect, engine: 'automaton' });
  } catch {
    automaton = undefined; // a back-reference: no automaton
  }
  if (automaton) {
    expect(automaton.engine).toBe('automaton');
    expect(automaton.test(subject), `${label} automaton`).toBe(expected);
    expect(automaton.testBytes(new TextEncoder().encode(subject)), `${label} automaton bytes`).toBe(expected);
  }
  let regexp;
  try {
    regexp = createLuaPattern(pattern, { dialect, engine: 'regexp' });
  } catch {
    return; // %b or a back-reference: no RegExp form
  }
  expect(regexp.test(subject), `${label} regexp`).toBe(expected);
}

// Lua 5.1 string.find(subject, pattern) ~= nil, checked against the reference manual's rules.
const LUA51_CASES: Case[] = [
  // literals, anchors
  ['foo', 'foobar', true],
  ['bar', 'foobar', true],
  ['baz', 'foobar', false],
  ['', '', true],
  ['', 'abc', true],
  ['^foo', 'foobar', true],
  ['^foo', '_foobar', false],
  ['bar$', 'foobar', true],
  ['bar$', 'foobar_', false],
  ['^$', '', true],
  ['^$', 'a', false],
  ['^', 'anything', true],
  ['$', 'anything', true],
  ['a$b', 'a$b', true], // '$' not at the end is a literal
  ['a^b', 'a^b', true], // '^' not at the start is a literal
  ['^^', '^a', true],
  ['^^', 'a^', false],
  ['$$', 'a$', true],
  ['a.c', 'abc', true],
  ['a.c', 'ac', false],
  ['a.c', 'a\nc', true],
  ['\n', 'a\nb', true],
  // classes and their complements
  ['%a', 'a', true],
  ['%a', '1', false],
  ['%A', '1', true],
  ['%A', 'z', false],
  ['%c', '\t', true],
  ['%c', '\x7f', true],
  ['%c', 'a', false],
  ['%C', '\t', false],
  ['%d', '7', true],
  ['%d', 'x', false],
  ['%D', 'x', true],
  ['%l', 'a', true],
  ['%l', 'A', false],
  ['%L', 'A', true],
  ['%p', ',', true],
  ['%p', '~', true],
  ['%p', 'a', false],
  ['%p', ' ', false],
  ['%P', 'a', true],
  ['%s', ' ', true],
  ['%s', '\t', true],
  ['%s', '\v', true],
  ['%s', '\f', true],
  ['%s', '\r', true],
  ['%s', '\xa0', false], // not a space in the C locale, unlike JS \s
  ['%s', '.', false],
  ['%S', 'x', true],
  ['%u', 'A', true],
  ['%u', 'a', false],
  ['%U', 'a', true],
  ['%w', 'a', true],
  ['%w', '5', true],
  ['%w', '_', false],
  ['%W', '_', true],
  ['%x', 'f', true],
  ['%x', 'F', true],
  ['%x', 'g', false],
  ['%X', 'g', true],
  ['%z', '\0', true],
  ['%z', 'a', false],
  ['%Z', 'a', true],
  ['%q', 'q', true], // not a class: the letter itself
  ['%%', '%', true],
  ['%%', 'a', false],
  ['%.', '.', true],
  ['%.', 'a', false],
  ['%(', '(', true],
  ['%]', ']', true],
  ['%-', '-', true],
  ['%^', '^', true],
  ['%$', '$', true],
  ['%*', '*', true],
  ['%+', '+', true],
  ['%?', '?', true],
  ['%[', '[', true],
  // sets
  ['[a-c]', 'b', true],
  ['[a-c]', 'd', false],
  ['[^a-c]', 'd', true],
  ['[^a-c]', 'a', false],
  ['[abc]', 'c', true],
  ['[%a_]', '_', true],
  ['[%a_]', '1', false],
  ['[%d%s]', ' ', true],
  ['[%]]', ']', true],
  ['[]]', ']', true], // the first char after '[' is part of the set
  ['[]a]', 'a', true],
  ['[^]]', ']', false],
  ['[^]]', 'x', true],
  ['[a-]', '-', true],
  ['[-a]', '-', true],
  ['[a%-z]', '-', true],
  ['[a%-z]', 'b', false],
  ['[z-a]', 'm', false], // an empty range
  ['[z-a]', 'z', false],
  ['[%a-z]', '-', true], // %a then '-' and 'z' as literals
  ['[.]', 'a', false],
  ['[.]', '.', true],
  ['[%A]', '1', true],
  ['[^%d]', '5', false],
  ['[^%d]', 'x', true],
  ['[%z]', '\0', true],
  ['[[]', '[', true],
  ['[(]', '(', true],
  // quantifiers
  ['^a*$', '', true],
  ['^a*$', 'aaa', true],
  ['^a*$', 'aab', false],
  ['^a+$', '', false],
  ['^a+$', 'aaa', true],
  ['^a-$', 'aaa', true],
  ['^a-b', 'aaab', true],
  ['^a?b$', 'b', true],
  ['^a?b$', 'ab', true],
  ['^a?b$', 'aab', false],
  ['^%a+%d+$', 'abc123', true],
  ['^%a+%d+$', 'abc', false],
  ['^[%w_]+=%d*$', 'key_1=', true],
  ['a.-b', 'axxxb', true],
  ['^.-$', 'anything', true],
  ['^(.-)%s*$', 'trailing   ', true],
  ['*', '*', true], // a quantifier char at the start of an item is a literal
  ['^*a', '*a', true],
  ['^+', '+', true],
  ['-', '-', true],
  ['?', '?', true],
  ['a**', 'a*', true],
  ['^a**$', 'a*', true], // a* then a literal '*'
  ['^a**$', 'a**', false],
  ['^a?*$', 'a*', true],
  ['^a?*$', '*', true],
  ['^a?*$', 'a**', false],
  // %b
  ['%b()', '(a(b)c)', true],
  ['%b()', '((a)', true],
  ['^%b()$', '((a)', false],
  ['^%b()$', '(()())', true],
  ['%b()', 'no parens', false],
  ['%b()', ')(', false],
  ['%b""', 'say "hi"', true],
  ['%b||', '|foo|', true],
  ['%b||', '|foo', false],
  ['^x%b[]y$', 'x[a[b]]y', true],
  ['%b()%d', '(x)5', true],
  ['%b()%d', '(x)y', false],
  // %f
  ['%f[%a]%a+', '123abc', true],
  ['%f[%a]abc', 'xabc', false],
  ['%f[%a]abc', ' abc', true],
  ['^%f[%a]abc', 'abc', true], // the char before the subject is '\0'
  ['%f[%z]', 'abc', true], // the char after the subject is '\0'
  ['%f[%z]', '', false], // at the start the previous char is '\0' too
  ['%f[%A]', 'abc', true],
  ['%f[%A]', '', false],
  ['%f[^%a]', 'ab', true],
  ['%f[^%z]', '', false],
  ['%f[^%z]', 'a', true],
  ['%f[%w]the%f[%W]', 'in the end', true],
  ['%f[%w]the%f[%W]', 'other', false],
  ['%f[%w]the%f[%W]', 'theory', false],
  ['%f[a]', 'aaa', true],
  ['b%f[a]', 'ba', true],
  ['a%f[a]', 'aa', false],
  // captures (validity, grouping) and back-references
  ['(a)', 'a', true],
  ['(a)*', 'a*', true], // no quantifier on a capture: '*' is a literal
  ['(a)*', 'aa', false],
  ['^(a)(b)$', 'ab', true],
  ['()', '', true],
  ['()a()', 'ba', true],
  ['(a)%1', 'aa', true],
  ['(a)%1', 'ab', false],
  ['^(%a+)=%1$', 'key=key', true],
  ['^(%a+)=%1$', 'key=kez', false],
  ['(a)(b)%2%1', 'abba', true],
  ['(a(b))%2', 'abb', true],
  ['()%1', 'aaa', false], // a position capture never matches as a back-reference
  ['^(%s*)(.-)(%s*)$', '  x  ', true],
  ['((((((((((a))))))))))', 'a', true],
  ['(%b())', 'f(x)', true],
  ['%((%d+)%)', '(42)', true],
  // bytes, not characters
  ['^.$', 'é', false],
  ['^..$', 'é', true],
  ['^%a$', 'é', false],
  ['%a', 'é', false],
  ['%A', 'é', true],
  ['%W', 'é', true],
  ['^h.llo$', 'héllo', false],
  ['^h..llo$', 'héllo', true],
  ['^h%a*o$', 'héllo', false],
  ['^h[^l]+llo$', 'héllo', true],
  ['é', 'café', true],
  ['^caf.$', 'café', false],
  ['é+$', 'éé', true],
  ['^é+$', 'é\xa9', false], // é+ is C3 then A9+: 'é' then U+00A9 (C2 A9) does not follow
  ['[é]', 'è', true], // the set holds bytes C3 and A9; è is C3 A8
  ['^[é]$', 'é', false],
  ['^[é][é]$', 'é', true],
  ['^....$', '😀', true],
  ['^%S+$', '😀x', true],
  ['%f[%w]x', 'éx', true],
  ['%f[^%w]', 'aé', true],
];

// lua_sandbox's own string matcher tests (src/util/test/test_string_matcher.c), heka dialect
const LSB_SUCCESS: [string, string][] = [
  [' ', '.'],
  ['foobar', 'foo'],
  ['foobar', 'bar$'],
  ['a', '%a'],
  ['1', '%d'],
  ['a', '%l'],
  [',', '%p'],
  ['\t', '%s'],
  ['A', '%u'],
  ['a', '%w'],
  ['f', '%x'],
  ['%', '%%'],
  ['a', '[a-c]'],
  ['d', '[^a-c]'],
  ['abc', '^%a+$'],
  ['(', '('],
  ['|foo|', '%b||'],
  ['?', '%?'],
  ['+', '%+'],
  ['-', '%-'],
  ['*', '%*'],
  ['%', '%%'],
  ['.', '%.'],
  ['^', '%^'],
  ['$', '%$'],
  ['[', '%['],
  [']', '%]'],
  [']', ']'],
  ['(', '%('],
  [')', '%)'],
  [')', ')'],
  ['abc', '^%a-$'],
  ['a$c', 'a$c'],
  ['a', '%a?'],
  ['abc', '%a*'],
  ['123ab', '%f[%a]'],
  ['\0', '%z'],
];
const LSB_FAILURE: [string, string][] = [
  ['', '.'],
  ['_foobar', '^foo'],
  ['foobar_', 'bar$'],
  ['1', '%a'],
  ['a', '%d'],
  ['A', '%l'],
  ['a', '%p'],
  ['.', '%s'],
  ['a', '%u'],
  ['.', '%w'],
  ['p', '%x'],
  ['a', '%%'],
  ['d', '[a-c]'],
  ['a', '[^a-c]'],
  ['a.', '^%a+$'],
  ['foo()', 'bar()'],
  ['|foo', '%b||'],
  ['aa', '(%a)%1*'], // no captures in lua_sandbox: '(' and ')' are literals
  // test_invalid's well-formed entries: literal '?', '+', '-', '*' do not occur in ''
  ['', '?'],
  ['', '+'],
  ['', '-'],
  ['', '*'],
];

describe('Lua 5.1 patterns (find semantics)', () => {
  it.each(LUA51_CASES)('find(%j, %j) is %s on every engine', (pattern, subject, expected) => {
    expectFind(pattern, subject, expected);
  });

  it('matches raw bytes (BYTES fields) byte by byte', () => {
    const bytes = new Uint8Array([0xff, 0x61, 0x00, 0x62]);
    for (const engine of ['auto', 'automaton', 'interpreter'] as const) {
      expect(createLuaPattern('^.a%zb$', { engine }).testBytes(bytes)).toBe(true);
      expect(createLuaPattern('^%a', { engine }).testBytes(bytes)).toBe(false);
      expect(createLuaPattern('[\u00ff]', { engine }).testBytes(bytes)).toBe(false); // ÿ is C3 BF, neither byte is there
      expect(createLuaPattern('%f[%a]a', { engine }).testBytes(bytes)).toBe(true);
    }
    expect(createLuaPattern('[\u00ff]').testBytes(new Uint8Array([0xbf]))).toBe(true);
    expect(createLuaPattern('a', { plain: true }).testBytes(bytes)).toBe(true);
    expect(createLuaPattern('ab', { plain: true }).testBytes(bytes)).toBe(false);
    expect(createLuaPattern('', { plain: true }).testBytes(new Uint8Array())).toBe(true);
  });

  it('picks the cheapest engine whose cost is bounded', () => {
    expect(createLuaPattern('abc').engine).toBe('plain'); // no special characters: a substring search, as Lua does
    expect(createLuaPattern('a)b').engine).toBe('plain'); // Lua's find never looks at captures here either
    expect(createLuaPattern('^abc').engine).toBe('regexp'); // no unbounded item: V8's backtracking stays linear
    expect(createLuaPattern('^a?b?c?d?$').engine).toBe('regexp');
    expect(createLuaPattern('(a)').engine).toBe('regexp');
    expect(createLuaPattern('%d+').engine).toBe('automaton'); // unbounded: linear automaton (RegExp on short subjects)
    expect(createLuaPattern('^a?b?c?d?e?$').engine).toBe('regexp'); // anchored: 2^5 tries in all
    expect(createLuaPattern('a?b?c?d?e?f').engine).toBe('automaton'); // 2^5 tries at every start
    expect(createLuaPattern('.*.*.*.*@').engine).toBe('automaton');
    expect(createLuaPattern('%b()').engine).toBe('automaton');
    expect(createLuaPattern('(a)%1').engine).toBe('interpreter'); // back-references: only backtracking can follow them
    expect(createLuaPattern('%d+', { engine: 'interpreter' }).engine).toBe('interpreter');
    expect(createLuaPattern('^abc', { engine: 'automaton' }).engine).toBe('automaton');
    expect(() => createLuaPattern('%b()', { engine: 'regexp' })).toThrow(/no RegExp equivalent/);
    expect(() => createLuaPattern('(a)%1', { engine: 'automaton' })).toThrow(/back-reference/);
  });

  it('plain searches treat every character literally', () => {
    expect(createLuaPattern('a.b', { plain: true }).test('a.b')).toBe(true);
    expect(createLuaPattern('a.b', { plain: true }).test('axb')).toBe(false);
    expect(createLuaPattern('[', { plain: true }).test('x[y')).toBe(true);
    expect(createLuaPattern('%', { plain: true }).test('100%')).toBe(true);
    expect(createLuaPattern('', { plain: true }).test('')).toBe(true);
    expect(createLuaPattern('é', { plain: true }).test('café')).toBe(true);
    expect(createLuaPattern('\ud800', { plain: true }).test('\ud800')).toBe(true); // lone surrogate: byte path
  });

  it('compileLuaPattern returns the predicate', () => {
    const find = compileLuaPattern('^%d+$');
    expect(find('123')).toBe(true);
    expect(find('12a')).toBe(false);
  });
});

describe('the heka dialect (lua_sandbox string_matcher.c)', () => {
  it.each(LSB_SUCCESS)('%j matches %j', (subject, pattern) => {
    expectFind(pattern, subject, true, 'heka');
  });

  it.each(LSB_FAILURE)('%j does not match %j', (subject, pattern) => {
    expectFind(pattern, subject, false, 'heka');
  });

  it('has no captures: parentheses and %1 are literal', () => {
    expectFind('foo(bar)', 'foo(bar)', true, 'heka');
    expectFind('foo(bar)', 'foobar', false, 'heka');
    expectFind('^%((%d+)%)$', '((42))', true, 'heka');
    expectFind('^(.+)$', '(x)', true, 'heka');
    expectFind('^(.+)$', 'x', false, 'heka');
    expectFind('(*', '((', true, 'heka');
    expectFind('a%1', 'a1', true, 'heka');
    expectFind('(a)%1', '(a)1', true, 'heka');
    expectFind('(', '(', true, 'heka');
    expectFind(')', ')', true, 'heka');
    expectFind('^)(.$', ')(x', true, 'heka');
    // the same patterns in Lua 5.1
    expectFind('foo(bar)', 'foobar', true);
    expectFind('(a)%1', 'aa', true);
  });

  it('rejects what lua_sandbox silently never matches', () => {
    for (const p of ['[f', '%b|', '%', 'a%', '%f', '%fa', 'x[%]']) {
      expect(() => createLuaPattern(p, { dialect: 'heka' }), p).toThrow(LuaPatternError);
    }
  });
});

describe('malformed patterns', () => {
  const cases: [pattern: string, dialect: LuaPatternDialect, message: string, position: number][] = [
    ['%', 'lua51', "malformed pattern (ends with '%') at 0", 0],
    ['abc%', 'lua51', "malformed pattern (ends with '%') at 3", 3],
    ['[a', 'lua51', "malformed pattern (missing ']') at 0", 0],
    ['x[^a', 'lua51', "malformed pattern (missing ']') at 1", 1],
    ['[]', 'lua51', "malformed pattern (missing ']') at 0", 0],
    ['[%]', 'lua51', "malformed pattern (missing ']') at 0", 0],
    ['[a%', 'lua51', "malformed pattern (missing ']') at 0", 0],
    ['%b', 'lua51', "malformed pattern (missing arguments to '%b') at 0", 0],
    ['x%b(', 'lua51', "malformed pattern (missing arguments to '%b') at 1", 1],
    ['%f', 'lua51', "missing '[' after '%f' in pattern at 0", 0],
    ['a%fb', 'lua51', "missing '[' after '%f' in pattern at 1", 1],
    ['%f[a', 'lua51', "malformed pattern (missing ']') at 2", 2],
    ['(', 'lua51', 'unfinished capture at 0', 0],
    ['a(b(c)', 'lua51', 'unfinished capture at 1', 1],
    ['a.)', 'lua51', 'invalid pattern capture at 2', 2],
    ['(a))', 'lua51', 'invalid pattern capture at 3', 3],
    ['%1', 'lua51', 'invalid capture index at 0', 0],
    ['%0.', 'lua51', 'invalid capture index at 0', 0],
    ['(a%1)', 'lua51', 'invalid capture index at 2', 2],
    ['(a)%2', 'lua51', 'invalid capture index at 3', 3],
    ['((a)%1)', 'lua51', 'invalid capture index at 4', 4], // capture 1 is still open
    ['('.repeat(33) + ')'.repeat(33), 'lua51', 'too many captures at 32', 32],
    ['a\0b.', 'lua51', 'pattern contains a NUL byte (use %z to match one) at 1', 1],
    ['é[a', 'lua51', "malformed pattern (missing ']') at 1", 1], // char index, not byte offset
    ['😀é(', 'lua51', 'unfinished capture at 3', 3],
    ['%', 'heka', "malformed pattern (ends with '%') at 0", 0],
    ['[a', 'heka', "malformed pattern (missing ']') at 0", 0],
    ['%bx', 'heka', "malformed pattern (missing arguments to '%b') at 0", 0],
    ['%f%a', 'heka', "missing '[' after '%f' in pattern at 0", 0],
  ];

  it.each(cases)('%j (%s) is rejected: %s', (pattern, dialect, message, position) => {
    for (const engine of ['auto', 'automaton', 'interpreter'] as const) {
      let error: unknown;
      try {
        createLuaPattern(pattern, { dialect, engine });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LuaPatternError);
      expect((error as LuaPatternError).message).toBe(message);
      expect((error as LuaPatternError).position).toBe(position);
    }
  });

  it('accepts the edge cases Lua accepts', () => {
    for (const p of ['%b()', '(())', '()', '%f[%]]', '[%]]', '[]]', '%1', '(a)%1', '((a)%2)', '%z', 'a-', '$^']) {
      const dialect: LuaPatternDialect = p === '%1' ? 'heka' : 'lua51';
      expect(() => createLuaPattern(p, { dialect }), p).not.toThrow();
    }
    expect(() => createLuaPattern('('.repeat(32) + ')'.repeat(32))).not.toThrow();
  });
});

describe('the RegExp translation and the automaton agree with the lstrlib port', () => {
  // random patterns and subjects, including non-ASCII, NUL and astral chars
  const ITEMS = [
    'a', 'b', 'c', '.', '%a', '%d', '%s', '%w', '%p', '%A', '%W', '%D', '%S', '%z', '%%', '%.', 'é', '😀', '-',
    '[ab]', '[^a]', '[a-c]', '[%a%d]', '[^%s]', '[é]', '[^é]', '[%z]', '[^%z]', '[]]', '[%]]',
  ];
  const QUANTIFIERS = ['', '', '', '*', '+', '-', '?'];
  const FRONTIERS = ['%f[%a]', '%f[%A]', '%f[%w]', '%f[%z]', '%f[^%z]', '%f[ab]', '%f[^a]', '%f[%s]'];
  const SUBJECT_CHARS = ['a', 'b', 'c', 'a', 'b', '1', ' ', '.', '%', 'é', 'è', '😀', '\0', ']', '-', 'ÿ'];

  function randomPattern(rng: () => number, dialect: LuaPatternDialect): string {
    const pick = <T>(xs: readonly T[]): T => xs[(rng() * xs.length) | 0];
    let p = rng() < 0.3 ? '^' : '';
    const n = 1 + ((rng() * 5) | 0);
    let open = 0;
    for (let i = 0; i < n; i++) {
      const r = rng();
      if (dialect === 'lua51' && r < 0.1) {
        p += rng() < 0.3 ? '()' : '(';
        if (!p.endsWith('()')) open++;
      } else if (dialect === 'lua51' && r < 0.18 && open > 0) {
        p += ')';
        open--;
      } else if (r < 0.28) p += pick(FRONTIERS);
      else p += pick(ITEMS) + pick(QUANTIFIERS);
    }
    p += ')'.repeat(open);
    if (rng() < 0.25) p += '$';
    return p;
  }

  function randomSubject(rng: () => number): string {
    let s = '';
    const n = (rng() * 8) | 0;
    for (let i = 0; i < n; i++) s += SUBJECT_CHARS[(rng() * SUBJECT_CHARS.length) | 0];
    return s;
  }

  it.each(['lua51', 'heka'] as const)('on 2000 random %s patterns x 12 subjects', (dialect) => {
    const rng = createRng(dialect === 'lua51' ? 51 : 1234);
    let compared = 0;
    let matches = 0;
    for (let i = 0; i < 2000; i++) {
      const pattern = randomPattern(rng, dialect);
      const interpreter = createLuaPattern(pattern, { dialect, engine: 'interpreter' });
      const regexp = createLuaPattern(pattern, { dialect, engine: 'regexp' });
      const automaton = createLuaPattern(pattern, { dialect, engine: 'automaton' });
      const auto = createLuaPattern(pattern, { dialect });
      for (let j = 0; j < 12; j++) {
        const subject = randomSubject(rng);
        const expected = interpreter.test(subject);
        const where = `find(${JSON.stringify(subject)}, ${JSON.stringify(pattern)})`;
        expect(regexp.test(subject), where).toBe(expected);
        expect(automaton.test(subject), where).toBe(expected);
        expect(auto.test(subject), where).toBe(expected);
        const bytes = new TextEncoder().encode(subject);
        expect(regexp.testBytes(bytes), where).toBe(expected);
        expect(automaton.testBytes(bytes), where).toBe(expected);
        expect(auto.testBytes(bytes), where).toBe(expected);
        expect(interpreter.testBytes(bytes), where).toBe(expected);
        compared++;
        if (expected) matches++;
      }
    }
    expect(compared).toBe(24_000);
    // both outcomes are well represented, so agreement means something
    expect(matches).toBeGreaterThan(3000);
    expect(compared - matches).toBeGreaterThan(3000);
  });
});
