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
 * literal letters has four classes). A set of states is a bit set, and each
 * step (closure, then consuming a byte) is a few word operations per 32
 * states, precomputed per class.
 */
import type { ByteSet, PatternSyntax } from './lua-pattern-syntax';

export interface PositionAutomaton {
  readonly anchored: boolean;
  /** The state reached when the pattern has matched; states are 0..accept. */
  readonly accept: number;
  /** 32-bit words in a state set (accept + 1 bits, bit i of word i >> 5 for state i). */
  readonly words: number;
  /** Number of byte classes. */
  readonly classes: number;
  /** Byte -> its class. */
  readonly classOf: Uint8Array;
  /** Per class (words each): the states that consume a byte of it and stay ('*', '-'). */
  readonly consumeStay: Int32Array;
  /** Per class (words each): the states that consume a byte of it and move to the next state. */
  readonly consumeAdvance: Int32Array;
  /** States that always pass to the next state without consuming ('*', '-', '?'). */
  readonly passAlways: Int32Array;
  /** States that pass to the next one at the end of the subject ('$'). */
  readonly passAtEnd: Int32Array;
  /** Byte -> its class as far as the frontier sets tell bytes apart (all 0 without frontiers). */
  readonly frontierClassOf: Uint8Array;
  /**
   * Per (frontier class of the previous byte, class of the current byte),
   * words each: the %f states that pass there. Undefined without frontiers.
   */
  readonly frontierPass: Int32Array | undefined;
  /** States that are %b items, and for each state its index into `balances`. */
  readonly balanceStates: Int32Array;
  readonly balanceIndex: Int32Array;
  readonly balances: { open: number; close: number }[];
  /** Whether the automaton has %f items (then a DFA state needs the previous byte's frontier class). */
  readonly frontiers: number;
  /** Scratch words for closeOver (the engine is single-threaded and closeOver does not re-enter). */
  readonly scratch: Int32Array;
}

/** The automaton of a checked pattern, or undefined when it has a back-reference. */
export function buildAutomaton(syntax: PatternSyntax): PositionAutomaton | undefined {
  type State = { set?: ByteSet; stay?: boolean; pass?: 'always' | 'end' | 'frontier' | 'balance'; arg?: number };
  const states: State[] = [];
  const frontierSets: ByteSet[] = [];
  const balances: { open: number; close: number }[] = [];

  for (const item of syntax.items) {
    switch (item.kind) {
      case 'single':
        switch (item.quantifier) {
          case '':
            states.push({ set: item.set });
            break;
          case '?':
            states.push({ set: item.set, pass: 'always' });
            break;
          case '*':
          case '-':
            states.push({ set: item.set, stay: true, pass: 'always' });
            break;
          case '+':
            states.push({ set: item.set }, { set: item.set, stay: true, pass: 'always' });
            break;
        }
        break;
      case 'frontier':
        states.push({ pass: 'frontier', arg: frontierSets.length });
        frontierSets.push(item.set);
        break;
      case 'end':
        states.push({ pass: 'end' });
        break;
      case 'balance':
        states.push({ pass: 'balance', arg: balances.length });
        balances.push({ open: item.open, close: item.close });
        break;
      case 'open':
      case 'close':
        break; // without back-references a capture only groups, and groups change nothing here
      case 'backref':
        return undefined;
    }
  }

  const accept = states.length;
  const words = (accept >> 5) + 1;
  const consumingSets = states.flatMap((st) => (st.set ? [st.set] : []));
  const { classOf, classes } = byteClasses([...consumingSets, ...frontierSets]);
  const frontier = byteClasses(frontierSets);
  const firstByte = (cls: { classOf: Uint8Array; classes: number }) => {
    const first = new Int16Array(cls.classes).fill(-1);
    for (let b = 255; b >= 0; b--) first[cls.classOf[b]] = b;
    return first;
  };
  const classRep = firstByte({ classOf, classes });
  const frontierRep = firstByte(frontier);

  const consumeStay = new Int32Array(classes * words);
  const consumeAdvance = new Int32Array(classes * words);
  const passAlways = new Int32Array(words);
  const passAtEnd = new Int32Array(words);
  const balanceStates = new Int32Array(words);
  const balanceIndex = new Int32Array(accept).fill(-1);
  const frontierPass = frontierSets.length ? new Int32Array(frontier.classes * classes * words) : undefined;
  states.forEach((st, i) => {
    const word = i >> 5;
    const bit = 1 << (i & 31);
    if (st.set) {
      const into = st.stay ? consumeStay : consumeAdvance;
      for (let c = 0; c < classes; c++) if (st.set[classRep[c]]) into[c * words + word] |= bit;
    }
    if (st.pass === 'always') passAlways[word] |= bit;
    else if (st.pass === 'end') passAtEnd[word] |= bit;
    else if (st.pass === 'balance') {
      balanceStates[word] |= bit;
      balanceIndex[i] = st.arg!;
    } else if (st.pass === 'frontier') {
      // Lua's %f: the previous byte is not in the set and the current one is
      const f = frontierSets[st.arg!];
      for (let fp = 0; fp < frontier.classes; fp++) {
        if (f[frontierRep[fp]]) continue;
        for (let c = 0; c < classes; c++) {
          if (f[classRep[c]]) frontierPass![(fp * classes + c) * words + word] |= bit;
        }
      }
    }
  });

  return {
    anchored: syntax.anchored,
    accept,
    words,
    classes,
    classOf,
    consumeStay,
    consumeAdvance,
    passAlways,
    passAtEnd,
    frontierClassOf: frontier.classOf,
    frontierPass,
    balanceStates,
    balanceIndex,
    balances,
    frontiers: frontierSets.length,
    scratch: new Int32Array(words),
  };
}

/** Bytes in exactly the same sets share a class: classes split set by set. */
function byteClasses(sets: ByteSet[]): { classOf: Uint8Array; classes: number } {
  let classOf = new Uint8Array(256);
  let classes = 1;
  for (const set of sets) {
    const split = new Int16Array(classes * 2).fill(-1); // (old class, in set) -> new class
    const next = new Uint8Array(256);
    let count = 0;
    for (let b = 0; b < 256; b++) {
      const key = classOf[b] * 2 + set[b];
      if (split[key] < 0) split[key] = count++;
      next[b] = split[key];
    }
    classOf = next;
    classes = count;
  }
  return { classOf, classes };
}

/**
 * Adds to `set` every state its members reach without consuming, at a
 * position whose previous byte is `previous` and current byte `current` (0
 * before the start and at the end, as in C), `atEnd` at the subject's end.
 * %b edges are left to the caller, which knows the subject.
 *
 * All edges go from i to i + 1, so with E the states that pass here, a
 * member i in a run of E bits reaches every state up to the run's end + 1:
 * ((set & E) + E) ^ E is exactly those bits (the carry of adding bit i to the
 * run runs from i to the end of the run), a few word operations per word.
 */
export function closeOver(a: PositionAutomaton, set: Int32Array, previous: number, current: number, atEnd: boolean): void {
  const words = a.words;
  const pass = a.scratch;
  pass.set(a.passAlways);
  if (atEnd) for (let w = 0; w < words; w++) pass[w] |= a.passAtEnd[w];
  if (a.frontierPass) {
    const at = (a.frontierClassOf[previous] * a.classes + a.classOf[current]) * words;
    for (let w = 0; w < words; w++) pass[w] |= a.frontierPass[at + w];
  }
  let carry = 0;
  for (let w = 0; w < words; w++) {
    const e = pass[w] >>> 0;
    const sum = ((set[w] & pass[w]) >>> 0) + e + carry;
    carry = sum > 0xffffffff ? 1 : 0;
    set[w] |= (sum | 0) ^ pass[w];
  }
}

/** `into` := the states reached from `set` (closed) by consuming one byte of class `cls`. */
export function consume(a: PositionAutomaton, set: Int32Array, cls: number, into: Int32Array): void {
  const words = a.words;
  const at = cls * words;
  let carry = 0; // the top bit of the previous word's advancing states, shifted into this word
  for (let w = 0; w < words; w++) {
    const advancing = set[w] & a.consumeAdvance[at + w];
    into[w] = (set[w] & a.consumeStay[at + w]) | (advancing << 1) | carry;
    carry = advancing >>> 31;
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
 * states per position, in O(bytes * words): the search for patterns with
 * %b, whose edges jump ahead to where the balanced text ends, and for a DFA
 * whose states do not fit its table. Starts from `start` (states before
 * closure; default the pattern's start) after the byte `previous` (default
 * the C string's '\0' before the subject).
 */
export function simulate(a: PositionAutomaton, subject: string, start?: Int32Array, previous = 0): boolean {
  const n = subject.length;
  const words = a.words;
  let current = new Int32Array(words);
  if (start) current.set(start);
  else addState(current, 0);
  let next = new Int32Array(words);
  // states that a %b edge starts at a later position, by position
  const pending = new Map<number, Int32Array>();
  const balanceEnds: (Int32Array | undefined)[] = a.balances.map(() => undefined);
  const hasBalances = a.balances.length > 0;
  for (let pos = 0; pos <= n; pos++) {
    if (!a.anchored) current[0] |= 1;
    if (hasBalances) {
      const arrived = pending.get(pos);
      if (arrived) {
        for (let w = 0; w < words; w++) current[w] |= arrived[w];
        pending.delete(pos);
      }
    }
    const byte = pos < n ? subject.charCodeAt(pos) : 0;
    closeOver(a, current, previous, byte, pos === n);
    if (hasBalances) {
      for (let w = 0; w < words; w++) {
        let bits = current[w] & a.balanceStates[w];
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const i = (w << 5) + 31 - Math.clz32(low);
          const k = a.balanceIndex[i];
          const ends = (balanceEnds[k] ??= balanceEndsOf(subject, a.balances[k].open, a.balances[k].close));
          const end = ends[pos];
          if (end < 0) continue;
          let set = pending.get(end);
          if (!set) pending.set(end, (set = new Int32Array(words)));
          addState(set, i + 1);
        }
      }
    }
    if (hasState(current, a.accept)) return true;
    if (pos === n) break;
    consume(a, current, a.classOf[byte], next);
    const consumed = next;
    next = current;
    current = consumed;
    previous = byte;
  }
  return false;
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
