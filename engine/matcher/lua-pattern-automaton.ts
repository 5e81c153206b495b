/**
 * A checked Lua pattern as a position automaton: one state per pattern item,
 * so a pattern is searched in time linear in the subject (at most one pass
 * over the states per byte), never by backtracking.
 *
 * Why this is exact: lstrlib's matcher is a backtracking search that tries
 * every way of matching each item ('*' longest first, '-' shortest first,
 * '?' with then without), from every start position, and string.find only
 * asks whether one way succeeds. The order of the tries changes which match
 * is found, never whether one is. Without captures (the 'heka' dialect, or
 * 'lua51' without back-references, where captures only group) each item is a
 * byte set with a quantifier or a zero-width test, so the set of ways is the
 * set of paths through this automaton, and a path exists exactly when the
 * search succeeds. Back-references compare with earlier text, which no
 * automaton can: such patterns have none (see createLuaPattern).
 *
 * States: item i is state i; the last state (`accept`) means the whole
 * pattern matched. Each state may consume one byte of its set (to itself for
 * '*' and '-', to the next state otherwise) and may pass to the next state
 * without consuming: always ('*', '-', '?'), at a frontier (%f), at the end of
 * the subject ('$' as the last char) or, for %bxy, at the byte after the
 * balanced text that starts here. Every such edge goes from i to i + 1, so
 * one ascending sweep computes a set's closure. '+' is two states: the item
 * once, then the item '*'.
 *
 * Bytes the pattern cannot tell apart share a class (a pattern with three
 * literal letters has four classes), which keeps the lazy DFA's tables small.
 */
import type { ByteSet, PatternSyntax } from './lua-pattern-syntax';

/** Kinds of the edge from state i to i + 1 that consumes nothing. */
export const EPS_NONE = 0;
export const EPS_ALWAYS = 1;
export const EPS_FRONTIER = 2;
export const EPS_END = 3;
export const EPS_BALANCE = 4;

export interface PositionAutomaton {
  readonly anchored: boolean;
  /** The state reached when the pattern has matched; states are 0..accept. */
  readonly accept: number;
  /** 32-bit words in a state set (accept + 1 bits). */
  readonly words: number;
  /** Number of byte classes. */
  readonly classes: number;
  /** Byte -> its class. */
  readonly classOf: Uint8Array;
  /** consumes[state * classes + class] is 1 when the state consumes bytes of that class. */
  readonly consumes: Uint8Array;
  /** Where a consumed byte leads from each state: itself or the next one. */
  readonly consumeTarget: Int32Array;
  /** Per state (below accept), the kind of its edge to the next state (EPS_*). */
  readonly eps: Uint8Array;
  /** Per state, its index into `frontiers` or `balances` for those kinds. */
  readonly epsArg: Int32Array;
  readonly frontiers: ByteSet[];
  readonly balances: { open: number; close: number }[];
}

/** The automaton of a checked pattern, or undefined when it has a back-reference. */
export function buildAutomaton(syntax: PatternSyntax): PositionAutomaton | undefined {
  const sets: (ByteSet | undefined)[] = [];
  const selfLoop: boolean[] = [];
  const eps: number[] = [];
  const epsArg: number[] = [];
  const frontiers: ByteSet[] = [];
  const balances: { open: number; close: number }[] = [];
  const add = (set: ByteSet | undefined, loop: boolean, kind: number, arg = -1) => {
    sets.push(set);
    selfLoop.push(loop);
    eps.push(kind);
    epsArg.push(arg);
  };

  for (const item of syntax.items) {
    switch (item.kind) {
      case 'single':
        switch (item.quantifier) {
          case '':
            add(item.set, false, EPS_NONE);
            break;
          case '?':
            add(item.set, false, EPS_ALWAYS);
            break;
          case '*':
          case '-':
            add(item.set, true, EPS_ALWAYS);
            break;
          case '+':
            add(item.set, false, EPS_NONE);
            add(item.set, true, EPS_ALWAYS);
            break;
        }
        break;
      case 'frontier':
        add(undefined, false, EPS_FRONTIER, frontiers.length);
        frontiers.push(item.set);
        break;
      case 'end':
        add(undefined, false, EPS_END);
        break;
      case 'balance':
        add(undefined, false, EPS_BALANCE, balances.length);
        balances.push({ open: item.open, close: item.close });
        break;
      case 'open':
      case 'close':
        break; // without back-references a capture only groups, and groups change nothing here
      case 'backref':
        return undefined;
    }
  }

  const accept = sets.length;
  const { classOf, classes } = byteClasses([...(sets.filter(Boolean) as ByteSet[]), ...frontiers]);
  const consumes = new Uint8Array(Math.max(1, accept * classes));
  const consumeTarget = new Int32Array(accept);
  for (let i = 0; i < accept; i++) {
    consumeTarget[i] = selfLoop[i] ? i : i + 1;
    const set = sets[i];
    if (!set) continue;
    for (let b = 0; b < 256; b++) if (set[b]) consumes[i * classes + classOf[b]] = 1;
  }
  return {
    anchored: syntax.anchored,
    accept,
    words: (accept >> 5) + 1,
    classes,
    classOf,
    consumes,
    consumeTarget,
    eps: Uint8Array.from(eps),
    epsArg: Int32Array.from(epsArg),
    frontiers,
    balances,
  };
}

/** Bytes in exactly the same sets share a class. */
function byteClasses(sets: ByteSet[]): { classOf: Uint8Array; classes: number } {
  const classOf = new Uint8Array(256);
  const ids = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    let key = '';
    for (const set of sets) key += set[b] ? '1' : '0';
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    classOf[b] = id;
  }
  return { classOf, classes: ids.size };
}

/**
 * Adds to `set` every state its members reach without consuming, at a
 * position whose previous byte is `previous` and current byte `current` (0
 * before the start and at the end, as in C), `atEnd` at the subject's end.
 * %b edges are left to the caller, which knows the subject.
 */
export function closeOver(a: PositionAutomaton, set: Int32Array, previous: number, current: number, atEnd: boolean): void {
  const { eps, epsArg, frontiers, accept } = a;
  for (let i = 0; i < accept; i++) {
    if ((set[i >> 5] & (1 << (i & 31))) === 0) continue;
    const kind = eps[i];
    let pass = false;
    if (kind === EPS_ALWAYS) pass = true;
    else if (kind === EPS_FRONTIER) {
      const f = frontiers[epsArg[i]];
      pass = f[previous] === 0 && f[current] === 1;
    } else if (kind === EPS_END) pass = atEnd;
    if (pass) set[(i + 1) >> 5] |= 1 << ((i + 1) & 31);
  }
}

/** `into` (cleared first) := the states reached from `set` by consuming one byte of class `cls`. */
export function consume(a: PositionAutomaton, set: Int32Array, cls: number, into: Int32Array): void {
  into.fill(0);
  const { consumes, consumeTarget, classes, accept } = a;
  for (let i = 0; i < accept; i++) {
    if ((set[i >> 5] & (1 << (i & 31))) === 0) continue;
    if (consumes[i * classes + cls] === 1) {
      const t = consumeTarget[i];
      into[t >> 5] |= 1 << (t & 31);
    }
  }
}

export function hasState(set: Int32Array, i: number): boolean {
  return (set[i >> 5] & (1 << (i & 31))) !== 0;
}

export function addState(set: Int32Array, i: number): void {
  set[i >> 5] |= 1 << (i & 31);
}

/**
 * Runs the automaton over `subject`'s bytes (a binary string), one set of
 * states per position: the search for patterns with %b, whose edges jump
 * ahead to where the balanced text ends. O(bytes * states).
 */
export function simulate(a: PositionAutomaton, subject: string): boolean {
  const n = subject.length;
  const words = a.words;
  let current = new Int32Array(words);
  let next = new Int32Array(words);
  // states that a %b edge starts at a later position, by position
  const pending = new Map<number, Int32Array>();
  const balanceEnds: (Int32Array | undefined)[] = a.balances.map(() => undefined);
  for (let pos = 0; pos <= n; pos++) {
    if (pos === 0 || !a.anchored) addState(current, 0);
    const arrived = pending.get(pos);
    if (arrived) {
      for (let w = 0; w < words; w++) current[w] |= arrived[w];
      pending.delete(pos);
    }
    const previous = pos === 0 ? 0 : subject.charCodeAt(pos - 1);
    const byte = pos < n ? subject.charCodeAt(pos) : 0;
    closeOverWithBalance(a, current, previous, byte, pos === n, (i, k) => {
      const ends = (balanceEnds[k] ??= balanceEndsOf(subject, a.balances[k].open, a.balances[k].close));
      const end = ends[pos];
      if (end < 0) return;
      let set = pending.get(end);
      if (!set) pending.set(end, (set = new Int32Array(words)));
      addState(set, i + 1);
    });
    if (hasState(current, a.accept)) return true;
    if (pos === n) break;
    consume(a, current, a.classOf[byte], next);
    const consumed = next;
    next = current;
    current = consumed;
  }
  return false;
}

/** closeOver, calling `balance(state, index)` for each %b edge out of a member (in state order). */
function closeOverWithBalance(
  a: PositionAutomaton,
  set: Int32Array,
  previous: number,
  current: number,
  atEnd: boolean,
  balance: (state: number, index: number) => void,
): void {
  const { eps, epsArg, frontiers, accept } = a;
  for (let i = 0; i < accept; i++) {
    if (!hasState(set, i)) continue;
    const kind = eps[i];
    if (kind === EPS_BALANCE) {
      balance(i, epsArg[i]);
      continue;
    }
    let pass = false;
    if (kind === EPS_ALWAYS) pass = true;
    else if (kind === EPS_FRONTIER) {
      const f = frontiers[epsArg[i]];
      pass = f[previous] === 0 && f[current] === 1;
    } else if (kind === EPS_END) pass = atEnd;
    if (pass) addState(set, i + 1);
  }
}

/**
 * For each position s of the binary string, where lstrlib's matchbalance
 * from s ends (the index after the closing byte), or -1: one pass with a
 * stack instead of a scan from every position. matchbalance counts opens and
 * closes from s, checking the close byte first, so with open === close the
 * balanced text ends at the next occurrence.
 */
export function balanceEndsOf(subject: string, open: number, close: number): Int32Array {
  const n = subject.length;
  const ends = new Int32Array(n + 1).fill(-1);
  if (open === close) {
    let nextOccurrence = -1;
    for (let s = n - 1; s >= 0; s--) {
      const c = subject.charCodeAt(s);
      if (c === open) {
        ends[s] = nextOccurrence < 0 ? -1 : nextOccurrence + 1;
        nextOccurrence = s;
      }
    }
    return ends;
  }
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    const c = subject.charCodeAt(s);
    if (c === close) {
      const start = stack.pop();
      if (start !== undefined) ends[start] = s + 1;
    } else if (c === open) stack.push(s);
  }
  return ends;
}
