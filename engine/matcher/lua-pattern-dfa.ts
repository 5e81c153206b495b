/**
 * A Lua pattern's position automaton (lua-pattern-automaton) run as a lazily
 * built DFA: each set of automaton states met while searching becomes one
 * DFA state, and its transition on a byte class is computed the first time
 * that byte class follows it, then read from a table. The search reads each
 * byte of the subject once; a byte costs one table read, or one pass over
 * the automaton's states the first time its transition is needed. So a test
 * costs at most O(bytes * pattern items), whatever the pattern, and usually
 * O(bytes).
 *
 * Frontiers (%f) look at the previous byte, so a DFA state is a set of
 * automaton states (before their closure) together with the class of the
 * byte before it, as far as the frontiers can tell bytes apart.
 *
 * The table is bounded (MAX_TABLE_ENTRIES); a pattern that meets more
 * state sets than fit (e.g. '[ab]*a[ab][ab][ab][ab][ab][ab][ab][ab][ab][ab]'
 * on random a/b text) clears it and rebuilds, which keeps memory bounded.
 * A search that clears it THRASHING times finishes on the automaton itself
 * (simulate), a few word operations per byte without interning, so the time
 * per byte stays bounded by the pattern's size, never by its state sets.
 *
 * %b jumps ahead in the subject, which a DFA cannot: those patterns run on
 * the automaton directly (simulate in lua-pattern-automaton).
 */
import { bytesToBinary, utf8Binary } from './byte-string';
import { addState, closeOver, consume, hasState, simulate, type PositionAutomaton } from './lua-pattern-automaton';

// table entries that are not row offsets
const UNKNOWN = -1;
const MATCH = -2;
const DEAD = -3;

/** Table clears within one search after which it finishes on the automaton (no interning, no table writes). */
const THRASHING = 2;

/**
 * Table entries (Int32) a pattern's DFA may hold: 128 KiB, 128 states of 256
 * bytes (real patterns use a handful). Bounds a matcher of 128 patterns to
 * 16 MiB even when every pattern is built to need more states.
 */
export const MAX_TABLE_ENTRIES = 1 << 15;

export class LazyDfa {
  private readonly a: PositionAutomaton;
  private readonly classOf: Uint8Array;
  /** Per class, its bytes: a transition computed for one byte is stored for all of them. */
  private readonly bytesOf: Uint8Array[];
  /** Byte -> a representative byte of its frontier class (the same frontiers hold both). */
  private readonly frontierRep: Uint8Array;
  private readonly maxStates: number;

  /**
   * table[row + byte]: the next state's row (state * 256) or UNKNOWN, MATCH,
   * DEAD. Indexed by the byte itself rather than its class, so a step is one
   * dependent load, not two.
   */
  private table: Int32Array;
  /** Per state: its automaton states before closure, and the byte before it (a frontier-class representative). */
  private sets: Int32Array[] = [];
  private previous: number[] = [];
  /** Per state: 0 unknown, 1 no match at the end of the subject, 2 a match. */
  private endMatch: Int8Array;
  private rows = new Map<string, number>();
  private start = 0;
  private readonly scratch: Int32Array;
  private readonly scratchNext: Int32Array;
  /**
   * Work done so far, for tests of the bound: transitions computed (a few
   * word operations each, plus interning the new state), table clears, and
   * searches finished on the automaton after thrashing.
   */
  readonly work = { transitions: 0, clears: 0, simulations: 0 };

  constructor(automaton: PositionAutomaton) {
    if (automaton.balances.length > 0) throw new Error('a pattern with %b has no DFA');
    this.a = automaton;
    this.classOf = automaton.classOf;
    this.bytesOf = Array.from({ length: automaton.classes }, (_, c) =>
      Uint8Array.from([...Array(256).keys()].filter((b) => automaton.classOf[b] === c)),
    );
    // the least byte of each byte's frontier class stands for it
    this.frontierRep = automaton.frontierClassOf.map((f) => automaton.frontierClassOf.indexOf(f));
    this.maxStates = MAX_TABLE_ENTRIES / 256;
    const initial = 4;
    this.table = new Int32Array(initial * 256).fill(UNKNOWN);
    this.endMatch = new Int8Array(initial);
    this.scratch = new Int32Array(automaton.words);
    this.scratchNext = new Int32Array(automaton.words);
    this.start = this.startState();
  }

  /**
   * Is the pattern found in the UTF-8 bytes of `s`, starting at or after
   * char `from` (the caller knows no match starts earlier, and that no
   * frontier is tested at `from`)? Encodes non-ASCII chars on the fly.
   */
  testString(s: string, from = 0): boolean {
    const clears = this.work.clears;
    let table = this.table;
    let row = this.start;
    for (let i = from, n = s.length; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        let next = table[row + c];
        if (next < 0) {
          if (next === UNKNOWN) {
            next = this.transition(row, c);
            table = this.table;
            if (next >= 0 && this.work.clears - clears >= THRASHING) return this.simulateFrom(next, utf8Binary(s.slice(i + 1)));
          }
          if (next === MATCH) return true;
          if (next === DEAD) return false;
        }
        row = next;
        continue;
      }
      // UTF-8 as TextEncoder writes it: lone surrogates become U+FFFD (EF BF BD)
      let cp = c;
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else cp = 0xfffd;
      }
      if (cp < 0x800) {
        row = this.step(row, 0xc0 | (cp >> 6));
        if (row >= 0) row = this.step(row, 0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        row = this.step(row, 0xe0 | (cp >> 12));
        if (row >= 0) row = this.step(row, 0x80 | ((cp >> 6) & 0x3f));
        if (row >= 0) row = this.step(row, 0x80 | (cp & 0x3f));
      } else {
        row = this.step(row, 0xf0 | (cp >> 18));
        if (row >= 0) row = this.step(row, 0x80 | ((cp >> 12) & 0x3f));
        if (row >= 0) row = this.step(row, 0x80 | ((cp >> 6) & 0x3f));
        if (row >= 0) row = this.step(row, 0x80 | (cp & 0x3f));
      }
      if (row === MATCH) return true;
      if (row === DEAD) return false;
      if (this.work.clears - clears >= THRASHING) return this.simulateFrom(row, utf8Binary(s.slice(i + 1)));
      table = this.table;
    }
    return this.matchesAtEnd(row);
  }

  /** Is the pattern found in `bytes`? */
  testBytes(bytes: Uint8Array): boolean {
    const clears = this.work.clears;
    let table = this.table;
    let row = this.start;
    for (let i = 0, n = bytes.length; i < n; i++) {
      const b = bytes[i];
      let next = table[row + b];
      if (next < 0) {
        if (next === UNKNOWN) {
          next = this.transition(row, b);
          table = this.table;
          if (next >= 0 && this.work.clears - clears >= THRASHING) return this.simulateFrom(next, bytesToBinary(bytes.subarray(i + 1)));
        }
        if (next === MATCH) return true;
        if (next === DEAD) return false;
      }
      row = next;
    }
    return this.matchesAtEnd(row);
  }

  /** DFA states held now (at most MAX_TABLE_ENTRIES / 256). */
  get stateCount(): number {
    return this.sets.length;
  }

  /** The rest of a search on the automaton itself, from DFA state `row`: for subjects that meet more states than the table holds. */
  private simulateFrom(row: number, rest: string): boolean {
    this.work.simulations++;
    const index = row >> 8;
    return simulate(this.a, rest, this.sets[index], this.previous[index]);
  }

  private step(row: number, byte: number): number {
    const next = this.table[row + byte];
    return next === UNKNOWN ? this.transition(row, byte) : next;
  }

  /** The entry for (row, byte's class), computed and stored. */
  private transition(row: number, byte: number): number {
    this.work.transitions++;
    const a = this.a;
    const index = row >> 8;
    const set = this.scratch;
    set.set(this.sets[index]);
    closeOver(a, set, this.previous[index], byte, false);
    let result: number;
    if (hasState(set, a.accept)) result = MATCH;
    else {
      const cls = this.classOf[byte];
      consume(a, set, cls, this.scratchNext);
      if (!a.anchored) addState(this.scratchNext, 0);
      if (isEmpty(this.scratchNext)) result = DEAD;
      else {
        const clears = this.work.clears;
        result = this.intern(this.scratchNext, this.frontierRep[byte]);
        if (clears !== this.work.clears) return result; // the table was cleared: `row` is gone
      }
    }
    for (const b of this.bytesOf[this.classOf[byte]]) this.table[row + b] = result;
    return result;
  }

  private matchesAtEnd(row: number): boolean {
    const index = row >> 8;
    let known = this.endMatch[index];
    if (known === 0) {
      const set = this.scratch;
      set.set(this.sets[index]);
      closeOver(this.a, set, this.previous[index], 0, true);
      known = hasState(set, this.a.accept) ? 2 : 1;
      this.endMatch[index] = known;
    }
    return known === 2;
  }

  private startState(): number {
    const set = new Int32Array(this.a.words);
    addState(set, 0);
    return this.intern(set, this.frontierRep[0]); // before the subject, C sees '\0'
  }

  /** The row of the DFA state (set, previous), added when new. */
  private intern(set: Int32Array, previous: number): number {
    const key = `${previous}:${set.join(',')}`;
    const known = this.rows.get(key);
    if (known !== undefined) return known;
    if (this.sets.length >= this.maxStates) this.clear();
    const index = this.sets.length;
    if ((index + 1) * 256 > this.table.length) this.grow();
    this.sets.push(Int32Array.from(set));
    this.previous.push(previous);
    const row = index * 256;
    this.rows.set(key, row);
    return row;
  }

  private grow(): void {
    const states = Math.min(this.maxStates, (this.table.length >> 8) * 2);
    const table = new Int32Array(states * 256).fill(UNKNOWN);
    table.set(this.table);
    this.table = table;
    const endMatch = new Int8Array(states);
    endMatch.set(this.endMatch);
    this.endMatch = endMatch;
  }

  private clear(): void {
    this.work.clears++;
    this.table.fill(UNKNOWN);
    this.endMatch.fill(0);
    this.sets = [];
    this.previous = [];
    this.rows.clear();
    this.start = this.startState();
  }
}

function isEmpty(set: Int32Array): boolean {
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) return false;
  return true;
}
