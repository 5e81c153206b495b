/**
 * Reads a Lua pattern once, up front: rejects every malformed pattern Lua
 * would only complain about when the matcher reached the bad item (or, for
 * lua_sandbox, silently never match), and lists the items so the pattern can
 * be translated to a RegExp or built into an automaton. The item walk mirrors
 * lstrlib.c's `match`, so the items are exactly what the interpreter will
 * execute.
 */
import { classEnd, L_ESC, matchBracketClass, singleMatch } from './lua-pattern-classes';
import { LUA_MAXCAPTURES, type LuaPatternDialect } from './lua-pattern-interpreter';

/** 256 entries, 1 where the byte is in the set. */
export type ByteSet = Uint8Array;

export type PatternItem =
  | { kind: 'single'; set: ByteSet; quantifier: '' | '*' | '+' | '-' | '?' }
  | { kind: 'balance'; open: number; close: number }
  | { kind: 'frontier'; set: ByteSet }
  | { kind: 'backref'; index: number }
  | { kind: 'open'; position: boolean }
  | { kind: 'close' }
  | { kind: 'end' };

export interface PatternSyntax {
  anchored: boolean;
  items: PatternItem[];
}

/** A malformed pattern; `offset` is a byte offset into the pattern. */
export class PatternSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

/**
 * `p`: the pattern's bytes followed by at least two 0 bytes; `len`: the
 * pattern's length. Throws PatternSyntaxError.
 */
export function checkPattern(p: Uint8Array, len: number, dialect: LuaPatternDialect): PatternSyntax {
  const nul = p.subarray(0, len).indexOf(0);
  if (nul >= 0) throw new PatternSyntaxError('pattern contains a NUL byte (use %z to match one)', nul);

  const captures = dialect === 'lua51';
  const items: PatternItem[] = [];
  // capture states in order of opening, as lstrlib's ms->capture
  const state: ('open' | 'closed' | 'position')[] = [];
  const openedAt: number[] = [];
  const anchored = p[0] === 0x5e;
  let i = anchored ? 1 : 0;

  while (i < len) {
    const c = p[i];
    if (captures && c === 0x28) {
      // '('
      if (state.length >= LUA_MAXCAPTURES) throw new PatternSyntaxError('too many captures', i);
      const position = p[i + 1] === 0x29;
      state.push(position ? 'position' : 'open');
      openedAt.push(i);
      items.push({ kind: 'open', position });
      i += position ? 2 : 1;
      continue;
    }
    if (captures && c === 0x29) {
      // ')'
      const l = state.lastIndexOf('open');
      if (l < 0) throw new PatternSyntaxError('invalid pattern capture', i);
      state[l] = 'closed';
      items.push({ kind: 'close' });
      i++;
      continue;
    }
    if (c === L_ESC) {
      const next = p[i + 1];
      if (next === 0x62) {
        // %bxy
        if (i + 3 >= len) throw new PatternSyntaxError("malformed pattern (missing arguments to '%b')", i);
        items.push({ kind: 'balance', open: p[i + 2], close: p[i + 3] });
        i += 4;
        continue;
      }
      if (next === 0x66) {
        // %f[set]
        if (p[i + 2] !== 0x5b) throw new PatternSyntaxError("missing '[' after '%f' in pattern", i);
        const ep = classEnd(p, i + 2);
        if (ep < 0) throw new PatternSyntaxError("malformed pattern (missing ']')", i + 2);
        const set = new Uint8Array(256);
        for (let b = 0; b < 256; b++) set[b] = matchBracketClass(b, p, i + 2, ep - 1) ? 1 : 0;
        items.push({ kind: 'frontier', set });
        i = ep;
        continue;
      }
      if (captures && next >= 0x30 && next <= 0x39) {
        const l = next - 0x31;
        if (l < 0 || l >= state.length || state[l] === 'open') {
          throw new PatternSyntaxError('invalid capture index', i);
        }
        items.push({ kind: 'backref', index: l });
        i += 2;
        continue;
      }
    } else if (c === 0x24 && i === len - 1) {
      items.push({ kind: 'end' });
      i++;
      continue;
    }

    const ep = classEnd(p, i);
    if (ep === -1) throw new PatternSyntaxError("malformed pattern (ends with '%')", i);
    if (ep === -2) throw new PatternSyntaxError("malformed pattern (missing ']')", i);
    const set = new Uint8Array(256);
    for (let b = 0; b < 256; b++) set[b] = singleMatch(b, p, i, ep) ? 1 : 0;
    const q = p[ep];
    const quantifier = q === 0x2a ? '*' : q === 0x2b ? '+' : q === 0x2d ? '-' : q === 0x3f ? '?' : '';
    items.push({ kind: 'single', set, quantifier });
    i = quantifier ? ep + 1 : ep;
  }

  const unfinished = state.indexOf('open');
  if (unfinished >= 0) throw new PatternSyntaxError('unfinished capture', openedAt[unfinished]);
  return { anchored, items };
}
