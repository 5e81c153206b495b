/**
 * Translation of a checked Lua pattern to an equivalent JS RegExp.
 *
 * Why it is equivalent: every single-char item becomes a character class
 * holding exactly the bytes lstrlib's singlematch accepts (computed by running
 * it on all 256 bytes), quantifiers map one to one ('-' is the lazy '*?'), and
 * both engines search every start position with full backtracking, so they
 * accept the same strings. Captures only group ('()' matches empty); '$' is
 * the end anchor only as the last char, as in Lua; %f[set] becomes look-behind
 * and look-ahead with Lua's convention that the char before the subject and
 * the one after it are '\0'. %bxy and back-references have no RegExp
 * equivalent: those patterns are left to the automaton and the interpreter.
 *
 * V8 backtracks without a step limit, so createLuaPattern only uses the
 * RegExp where lua-pattern-cost bounds its worst case.
 *
 * The RegExp is exact on binary strings (one char per byte). It is also exact
 * on any JS string when the pattern is byte-safe: no item can match a byte
 * >= 0x80. Then the non-ASCII parts of the subject (2-4 bytes in UTF-8, 1-2
 * code units in JS) can never be consumed or pass a frontier, matches only
 * ever cover ASCII runs, and both views have the same ASCII runs in the same
 * order with the same boundaries.
 */
import type { ByteSet, PatternItem, PatternSyntax } from './lua-pattern-syntax';

export interface TranslatedPattern {
  regexp: RegExp;
  /** True when the RegExp is exact on JS strings as they are, not only on binary strings. */
  byteSafe: boolean;
}

/** The equivalent RegExp, or undefined when the pattern uses %b or a back-reference. */
export function translatePattern(syntax: PatternSyntax): TranslatedPattern | undefined {
  let source = syntax.anchored ? '^' : '';
  let byteSafe = true;
  for (const item of syntax.items) {
    const part = translateItem(item);
    if (part === undefined) return undefined;
    source += part;
    if ((item.kind === 'single' || item.kind === 'frontier') && hasHighByte(item.set)) byteSafe = false;
  }
  return { regexp: new RegExp(source), byteSafe };
}

function translateItem(item: PatternItem): string | undefined {
  switch (item.kind) {
    case 'single': {
      const q = item.quantifier === '-' ? '*?' : item.quantifier;
      return charClass(item.set) + q;
    }
    case 'frontier': {
      // Lua: !in(previous char, '\0' at the start) && in(current char, '\0' at the end)
      const nulInSet = item.set[0] === 1;
      const before = nulInSet ? `(?<=${charClass(complement(item.set))})` : `(?<!${charClass(item.set)})`;
      const after = nulInSet ? `(?=${charClass(item.set)}|$)` : `(?=${charClass(item.set)})`;
      return before + after;
    }
    case 'open':
      return item.position ? '' : '(?:';
    case 'close':
      return ')';
    case 'end':
      return '$';
    case 'balance':
    case 'backref':
      return undefined;
  }
}

function hasHighByte(set: ByteSet): boolean {
  for (let b = 0x80; b < 0x100; b++) if (set[b]) return true;
  return false;
}

function complement(set: ByteSet): ByteSet {
  const out = new Uint8Array(256);
  for (let b = 0; b < 256; b++) out[b] = set[b] ? 0 : 1;
  return out;
}

/**
 * A RegExp class with exactly the set's bytes. When all of 0x80..0xFF are in
 * the set it also takes every code unit above 0xFF, which keeps it exact on
 * binary strings and makes "not ASCII" mean the same on JS strings.
 */
function charClass(set: ByteSet): string {
  let count = 0;
  for (let b = 0; b < 256; b++) count += set[b];
  if (count === 0) return '[]';
  if (count === 256) return '[^]';
  let allHigh = true;
  for (let b = 0x80; b < 0x100; b++) if (!set[b]) allHigh = false;
  if (count === 1) {
    for (let b = 0; b < 256; b++) if (set[b]) return hex(b);
  }
  let body = '';
  const top = allHigh ? 0x80 : 0x100;
  for (let b = 0; b < top; b++) {
    if (!set[b]) continue;
    let e = b;
    while (e + 1 < top && set[e + 1]) e++;
    body += e === b ? hex(b) : `${hex(b)}-${hex(e)}`;
    b = e;
  }
  if (allHigh) body += '\\x80-\\uffff';
  return `[${body}]`;
}

function hex(b: number): string {
  return '\\x' + b.toString(16).padStart(2, '0');
}
