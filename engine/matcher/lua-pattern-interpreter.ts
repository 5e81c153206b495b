/**
 * A faithful port of Lua 5.1's pattern matcher (lstrlib.c: match,
 * max_expand, min_expand, matchbalance, captures, frontier), run over a
 * binary string (one char per byte). `find` answers whether string.find would
 * find the pattern anywhere (or at the start when anchored with '^').
 *
 * The 'heka' dialect is lua_sandbox's string_matcher.c, the matcher behind
 * Hindsight's message_matcher: the same code without captures, so '(' and ')'
 * are ordinary characters and '%1' is a literal '1'.
 *
 * Patterns reach this code only after lua-pattern-syntax has checked them, so
 * the errors Lua raises lazily while matching cannot happen here.
 *
 * Backtracking costs up to O(bytes^k) for k quantified items, so nothing
 * runs it unbounded: `find` takes a step budget (one step per item tried at a
 * position) and throws LuaPatternCostError when it runs out. Searches go to
 * the linear automaton (lua-pattern-dfa) except for back-references, which
 * only this port can follow; tests use it as the reference.
 */
import { classEnd, L_ESC, matchBracketClass, singleMatch } from './lua-pattern-classes';

export type LuaPatternDialect = 'lua51' | 'heka';

const NO_MATCH = -1;
const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;
export const LUA_MAXCAPTURES = 32;

/** A search stopped by its step budget: the pattern costs too much on this subject. */
export class LuaPatternCostError extends Error {
  constructor(readonly steps: number) {
    super(`pattern too costly: no answer within ${steps} matching steps`);
    this.name = 'LuaPatternCostError';
  }
}

export class LuaPatternInterpreter {
  private readonly p: Uint8Array;
  private readonly captures: boolean;
  private src = '';
  private srcEnd = 0;
  private level = 0;
  private readonly capInit = new Int32Array(LUA_MAXCAPTURES);
  private readonly capLen = new Int32Array(LUA_MAXCAPTURES);
  private budget = 0;
  private stepsLeft = 0;

  /** `pattern`: the pattern's bytes followed by at least two 0 bytes. */
  constructor(pattern: Uint8Array, dialect: LuaPatternDialect) {
    this.p = pattern;
    this.captures = dialect === 'lua51';
  }

  /**
   * Does the pattern occur in `subject` (a binary string)? Throws
   * LuaPatternCostError after `budget` steps without an answer.
   */
  find(subject: string, budget: number): boolean {
    const anchor = this.p[0] === 0x5e; // '^'
    const p0 = anchor ? 1 : 0;
    this.src = subject;
    this.srcEnd = subject.length;
    this.budget = budget;
    this.stepsLeft = budget;
    let s1 = 0;
    do {
      this.level = 0;
      if (this.match(s1, p0) !== NO_MATCH) return true;
    } while (s1++ < this.srcEnd && !anchor);
    return false;
  }

  /** One matching step spent; throws when the budget is gone. */
  private spend(): void {
    if (--this.stepsLeft < 0) throw new LuaPatternCostError(this.budget);
  }

  private match(s: number, p: number): number {
    const P = this.p;
    // the loop stands for lstrlib's `goto init` tail calls
    for (;;) {
      this.spend();
      const pc = P[p];
      if (this.captures) {
        if (pc === 0x28) {
          // '('
          if (P[p + 1] === 0x29) return this.startCapture(s, p + 2, CAP_POSITION);
          return this.startCapture(s, p + 1, CAP_UNFINISHED);
        }
        if (pc === 0x29) return this.endCapture(s, p + 1); // ')'
      }
      if (pc === L_ESC) {
        const next = P[p + 1];
        if (next === 0x62) {
          // %bxy: balanced string
          s = this.matchBalance(s, p + 2);
          if (s === NO_MATCH) return NO_MATCH;
          p += 4;
          continue;
        }
        if (next === 0x66) {
          // %f[set]: frontier
          p += 2;
          const ep = classEnd(P, p);
          if (P[p] !== 0x5b || ep < 0) throw new Error('unchecked malformed %f');
          const previous = s === 0 ? 0 : this.src.charCodeAt(s - 1);
          const current = s < this.srcEnd ? this.src.charCodeAt(s) : 0; // the C string's NUL at the end
          if (matchBracketClass(previous, P, p, ep - 1) || !matchBracketClass(current, P, p, ep - 1)) {
            return NO_MATCH;
          }
          p = ep;
          continue;
        }
        if (this.captures && next >= 0x30 && next <= 0x39) {
          // %0-%9: back-reference
          s = this.matchCapture(s, next);
          if (s === NO_MATCH) return NO_MATCH;
          p += 2;
          continue;
        }
        // else an ordinary item such as %a, below
      } else if (pc === 0) {
        return s; // end of pattern: match succeeded
      } else if (pc === 0x24 && P[p + 1] === 0) {
        // '$' as the last char anchors at the end
        return s === this.srcEnd ? s : NO_MATCH;
      }

      const ep = classEnd(P, p);
      if (ep < 0) throw new Error('unchecked malformed pattern item');
      const m = s < this.srcEnd && singleMatch(this.src.charCodeAt(s), P, p, ep);
      switch (P[ep]) {
        case 0x3f: {
          // '?' optional
          if (m) {
            const res = this.match(s + 1, ep + 1);
            if (res !== NO_MATCH) return res;
          }
          p = ep + 1;
          continue;
        }
        case 0x2a: // '*' 0 or more, longest first
          return this.maxExpand(s, p, ep);
        case 0x2b: // '+' 1 or more, longest first
          return m ? this.maxExpand(s + 1, p, ep) : NO_MATCH;
        case 0x2d: // '-' 0 or more, shortest first
          return this.minExpand(s, p, ep);
        default:
          if (!m) return NO_MATCH;
          s++;
          p = ep;
      }
    }
  }

  private matchBalance(s: number, p: number): number {
    const P = this.p;
    if (P[p] === 0 || P[p + 1] === 0) throw new Error('unchecked malformed %b');
    const c = s < this.srcEnd ? this.src.charCodeAt(s) : 0;
    if (c !== P[p]) return NO_MATCH;
    const b = P[p];
    const e = P[p + 1];
    let cont = 1;
    while (++s < this.srcEnd) {
      this.spend();
      const x = this.src.charCodeAt(s);
      if (x === e) {
        if (--cont === 0) return s + 1;
      } else if (x === b) cont++;
    }
    return NO_MATCH; // string ends out of balance
  }

  private maxExpand(s: number, p: number, ep: number): number {
    let i = 0;
    while (s + i < this.srcEnd && singleMatch(this.src.charCodeAt(s + i), this.p, p, ep)) {
      this.spend();
      i++;
    }
    // try with the most repetitions first, then fewer
    while (i >= 0) {
      const res = this.match(s + i, ep + 1);
      if (res !== NO_MATCH) return res;
      i--;
    }
    return NO_MATCH;
  }

  private minExpand(s: number, p: number, ep: number): number {
    for (;;) {
      const res = this.match(s, ep + 1);
      if (res !== NO_MATCH) return res;
      if (s < this.srcEnd && singleMatch(this.src.charCodeAt(s), this.p, p, ep)) s++;
      else return NO_MATCH;
    }
  }

  private startCapture(s: number, p: number, what: number): number {
    const level = this.level;
    if (level >= LUA_MAXCAPTURES) throw new Error('unchecked: too many captures');
    this.capInit[level] = s;
    this.capLen[level] = what;
    this.level = level + 1;
    const res = this.match(s, p);
    if (res === NO_MATCH) this.level--; // undo capture
    return res;
  }

  private endCapture(s: number, p: number): number {
    let l = this.level - 1;
    while (l >= 0 && this.capLen[l] !== CAP_UNFINISHED) l--;
    if (l < 0) throw new Error('unchecked: invalid pattern capture');
    this.capLen[l] = s - this.capInit[l]; // close capture
    const res = this.match(s, p);
    if (res === NO_MATCH) this.capLen[l] = CAP_UNFINISHED; // undo capture
    return res;
  }

  private matchCapture(s: number, digit: number): number {
    const l = digit - 0x31; // '1'
    if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED) {
      throw new Error('unchecked: invalid capture index');
    }
    const len = this.capLen[l];
    // a position capture's length is CAP_POSITION, huge as Lua's size_t: never matches
    if (len < 0 || this.srcEnd - s < len) return NO_MATCH;
    const init = this.capInit[l];
    for (let i = 0; i < len; i++) {
      this.spend();
      if (this.src.charCodeAt(init + i) !== this.src.charCodeAt(s + i)) return NO_MATCH;
    }
    return s + len;
  }
}
