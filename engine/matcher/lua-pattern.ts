/**
 * Lua 5.1 patterns for JavaScript: `string.find(subject, pattern)` as a
 * boolean, over the UTF-8 bytes of the subject as Lua sees them.
 *
 * Patterns are checked when compiled (Lua only notices a malformed item when
 * matching reaches it) and run as an equivalent RegExp when one exists (see
 * lua-pattern-regexp), otherwise by a port of lstrlib's matcher.
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
import { LuaPatternInterpreter, type LuaPatternDialect } from './lua-pattern-interpreter';
import { translatePattern } from './lua-pattern-regexp';
import { checkPattern, PatternSyntaxError } from './lua-pattern-syntax';

export type { LuaPatternDialect } from './lua-pattern-interpreter';

export interface LuaPatternOptions {
  dialect?: LuaPatternDialect;
  /** A plain substring search, as string.find(s, p, 1, true) or the matcher's trailing '%'. */
  plain?: boolean;
  /** 'auto' (default) uses a RegExp when one is equivalent; the others force an engine (tests, benchmarks). */
  engine?: 'auto' | 'regexp' | 'interpreter';
}

export interface LuaPattern {
  readonly source: string;
  /** How it runs: a substring search, a translated RegExp or the lstrlib port. */
  readonly engine: 'plain' | 'regexp' | 'interpreter';
  /** Find semantics on the UTF-8 bytes of a JS string. */
  test(subject: string): boolean;
  /** Find semantics on raw bytes (a BYTES field). */
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

  const translated = engine === 'interpreter' ? undefined : translatePattern(syntax);
  if (translated) {
    const re = translated.regexp;
    const test = translated.byteSafe ? (s: string) => re.test(s) : (s: string) => re.test(utf8Binary(s));
    return { source: pattern, engine: 'regexp', test, testBytes: (b) => re.test(bytesToBinary(b)) };
  }
  if (engine === 'regexp') throw new Error(`pattern ${JSON.stringify(pattern)} has no RegExp equivalent`);

  const interpreter = new LuaPatternInterpreter(p, dialect);
  return {
    source: pattern,
    engine: 'interpreter',
    test: (s) => interpreter.find(utf8Binary(s)),
    testBytes: (b) => interpreter.find(bytesToBinary(b)),
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
