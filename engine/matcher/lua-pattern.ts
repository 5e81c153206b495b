/**
 * Lua 5.1 patterns for JavaScript: `string.find(subject, pattern)` as a
 * boolean, over the UTF-8 bytes of the subject as Lua sees them.
 *
 * Patterns are checked when compiled (Lua only notices a malformed item when
 * matching reaches it). Every search costs time linear in the subject:
 * - 'plain': no special characters, a substring search (as Lua does);
 * - 'regexp': an equivalent RegExp (see lua-pattern-regexp) when V8's
 *   backtracking cannot blow up on it: no '*', '+' or '-' item and few '?'
 *   (lua-pattern-cost), so each start position costs a bounded number of
 *   tries;
 * - 'automaton': every other pattern without back-references, on a linear
 *   position automaton (lua-pattern-automaton, run as a lazy DFA by
 *   lua-pattern-dfa): a byte costs one table read, at worst one pass over the
 *   pattern's items, whatever the pattern ('.*.*.*.*@' included). V8's
 *   substring search first rules out subjects without the pattern's
 *   required literal (lua-pattern-literal), and subjects short enough for
 *   the RegExp's worst case to stay under REGEXP_STEP_BOUND go to the RegExp,
 *   which is faster there;
 * - 'interpreter': a port of lstrlib's backtracking matcher, for Lua 5.1
 *   back-references only (no automaton can compare with earlier text), under
 *   a step budget: past it, the test throws LuaPatternCostError ("pattern
 *   too costly"). Hindsight's matcher dialect ('heka') has no
 *   back-references, so matchers never take this path.
 * No pattern is refused for its cost: with the automaton none can only be slow.
 *
 * Dialects:
 * - 'lua51' (default): Lua 5.1 string.find, captures and back-references
 *   included (they only matter for validity and %1..%9 here).
 * - 'heka': lua_sandbox's string_matcher.c, the one Hindsight's
 *   message_matcher uses for =~ and !~. It is lstrlib without captures:
 *   '(' and ')' match themselves and '%1' matches '1'.
 *
 * Known limit: subjects or literals holding lone UTF-16 surrogates (not
 * produced by decoding UTF-8) are compared as the JS string in the plain
 * search path, while Lua would see U+FFFD's bytes.
 */
import { bytesInclude, bytesToBinary, utf8Binary, utf8Bytes } from './byte-string';
import { buildAutomaton, simulate } from './lua-pattern-automaton';
import { regexpLengthLimit } from './lua-pattern-cost';
import { LazyDfa } from './lua-pattern-dfa';
import { requiredLiterals } from './lua-pattern-literal';
import { LuaPatternInterpreter, type LuaPatternDialect } from './lua-pattern-interpreter';
import { translatePattern } from './lua-pattern-regexp';
import { checkPattern, PatternSyntaxError } from './lua-pattern-syntax';

export type { LuaPatternDialect } from './lua-pattern-interpreter';
export { LuaPatternCostError } from './lua-pattern-interpreter';

/** Steps the backtracking interpreter may take per test (tens of milliseconds) before LuaPatternCostError. */
export const INTERPRETER_STEP_BUDGET = 1_000_000;

export interface LuaPatternOptions {
  dialect?: LuaPatternDialect;
  /** A plain substring search, as string.find(s, p, 1, true) or the matcher's trailing '%'. */
  plain?: boolean;
  /**
   * 'auto' (default) picks as described above; the others force an engine,
   * for tests and benchmarks only: a forced 'regexp' has no bound on its
   * backtracking.
   */
  engine?: 'auto' | 'regexp' | 'automaton' | 'interpreter';
  /** The interpreter's step budget per test (default INTERPRETER_STEP_BUDGET). */
  steps?: number;
}

export interface LuaPattern {
  readonly source: string;
  /** How it runs: a substring search, a translated RegExp, the linear automaton or the lstrlib port. */
  readonly engine: 'plain' | 'regexp' | 'automaton' | 'interpreter';
  /** Find semantics on the UTF-8 bytes of a JS string. Only the interpreter throws (LuaPatternCostError). */
  test(subject: string): boolean;
  /** Find semantics on raw bytes (a BYTES field). Only the interpreter throws (LuaPatternCostError). */
  testBytes(subject: Uint8Array): boolean;
}

/** A malformed pattern; `position` is a 0-based index into the pattern string. */
export class LuaPatternError extends Error {
  readonly position: number;
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`${reason} at ${position}`);
    this.name = 'LuaPatternError';
    this.reason = reason;
    this.position = position;
  }
}

// strpbrk sets: without any of these, Lua (and lua_sandbox) search plainly
const SPECIALS: Record<LuaPatternDialect, RegExp> = {
  lua51: /[\^$*+?.([%-]/,
  heka: /[\^$*+?.[%-]/,
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `pattern` compiled to a find-semantics predicate on strings. Throws LuaPatternError. */
export function compileLuaPattern(pattern: string, options?: LuaPatternOptions): (subject: string) => boolean {
  return createLuaPattern(pattern, options).test;
}

/** `pattern` compiled for strings and bytes. Throws LuaPatternError. */
export function createLuaPattern(pattern: string, options: LuaPatternOptions = {}): LuaPattern {
  const dialect = options.dialect ?? 'lua51';
  const engine = options.engine ?? 'auto';
  const bytes = utf8Bytes(pattern);

  if (options.plain || (engine === 'auto' && !SPECIALS[dialect].test(pattern))) {
    return plainSearch(pattern, bytes);
  }

  const p = new Uint8Array(bytes.length + 2); // two NULs, as the C code reads p[i+1] at the end
  p.set(bytes);
  let syntax;
  try {
    syntax = checkPattern(p, bytes.length, dialect);
  } catch (err) {
    if (err instanceof PatternSyntaxError) throw new LuaPatternError(err.reason, charIndex(pattern, err.offset));
    throw err;
  }

  if (engine === 'interpreter') return interpreterSearch(pattern, p, dialect, options.steps);
  const limit = engine === 'auto' ? regexpLengthLimit(syntax) : engine === 'regexp' ? Infinity : 0;
  const translated = limit > 0 ? translatePattern(syntax) : undefined;
  if (engine === 'regexp' && !translated) throw new Error(`pattern ${JSON.stringify(pattern)} has no RegExp equivalent`);
  if (translated && limit === Infinity) {
    const re = translated.regexp;
    const test = translated.byteSafe ? (s: string) => re.test(s) : (s: string) => re.test(utf8Binary(s));
    return { source: pattern, engine: 'regexp', test, testBytes: (b) => re.test(bytesToBinary(b)) };
  }

  const automaton = buildAutomaton(syntax);
  if (!automaton) {
    if (engine === 'automaton') throw new Error(`pattern ${JSON.stringify(pattern)} has a back-reference: no automaton`);
    return interpreterSearch(pattern, p, dialect, options.steps);
  }
  // most subjects lack the pattern's required literal: V8's substring search rules them out first
  const { longest: literal, prefix } = requiredLiterals(syntax);
  if (automaton.balances.length > 0) {
    return {
      source: pattern,
      engine: 'automaton',
      test: (s) => (literal === '' || s.includes(literal)) && simulate(automaton, utf8Binary(s)),
      testBytes: (b) => simulate(automaton, bytesToBinary(b)),
    };
  }
  const dfa = new LazyDfa(automaton);
  const viaAutomaton = automatonSearch(dfa, literal, prefix);
  let test = viaAutomaton;
  if (translated) {
    // subjects short enough for the RegExp's worst case to stay under REGEXP_STEP_BOUND go to it
    const re = translated.regexp;
    if (translated.byteSafe) test = (s) => (s.length <= limit ? re.test(s) : viaAutomaton(s));
    else {
      const chars = Math.floor(limit / 3); // a UTF-16 unit is at most 3 UTF-8 bytes
      test = (s) => (s.length <= chars ? re.test(utf8Binary(s)) : viaAutomaton(s));
    }
  }
  return { source: pattern, engine: 'automaton', test, testBytes: (b) => dfa.testBytes(b) };
}

/**
 * The DFA behind V8's substring search: subjects without the longest
 * required literal are ruled out, and a search for a pattern that starts
 * with a literal begins at its first occurrence.
 */
function automatonSearch(dfa: LazyDfa, literal: string, prefix: string): (s: string) => boolean {
  if (prefix && literal.length > prefix.length) {
    return (s) => {
      if (!s.includes(literal)) return false;
      const at = s.indexOf(prefix);
      return at >= 0 && dfa.testString(s, at);
    };
  }
  if (prefix) {
    return (s) => {
      const at = s.indexOf(prefix);
      return at >= 0 && dfa.testString(s, at);
    };
  }
  if (literal) return (s) => s.includes(literal) && dfa.testString(s);
  return (s) => dfa.testString(s);
}

/** The backtracking port under a step budget: for back-references, and as the tests' reference. */
function interpreterSearch(pattern: string, p: Uint8Array, dialect: LuaPatternDialect, budget?: number): LuaPattern {
  const interpreter = new LuaPatternInterpreter(p, dialect);
  const steps = budget ?? INTERPRETER_STEP_BUDGET;
  return {
    source: pattern,
    engine: 'interpreter',
    test: (s) => interpreter.find(utf8Binary(s), steps),
    testBytes: (b) => interpreter.find(bytesToBinary(b), steps),
  };
}

function plainSearch(pattern: string, bytes: Uint8Array): LuaPattern {
  if (LONE_SURROGATE.test(pattern)) {
    const needle = bytesToBinary(bytes);
    return {
      source: pattern,
      engine: 'plain',
      test: (s) => utf8Binary(s).includes(needle),
      testBytes: (b) => bytesInclude(b, bytes),
    };
  }
  // for well-formed strings a UTF-16 substring is a UTF-8 substring and back
  return {
    source: pattern,
    engine: 'plain',
    test: (s) => s.includes(pattern),
    testBytes: (b) => bytesInclude(b, bytes),
  };
}

/** The index in `s` of the char holding UTF-8 byte `offset`. */
function charIndex(s: string, offset: number): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let n = 3;
    let units = 1;
    if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n = 4;
        units = 2;
      }
    }
    if (offset < bytes + n) return i;
    bytes += n;
    i += units - 1;
  }
  return s.length;
}
