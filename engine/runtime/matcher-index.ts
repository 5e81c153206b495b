/**
 * Matching one message against many plugins' matchers at a cost that grows
 * with the plugins that can match, not with the number of plugins.
 *
 * Most real matchers pin a string header or field to a literal
 * (`Type == 'telemetry' && Fields[docType] == 'crash'`). Such a required
 * equality is used as an index key: per message, each distinct key
 * (`Fields[docType]`, `Type`, ...) is read once and looked up in a map from
 * literal to the matchers requiring it, and only those run in full. Matchers
 * without a usable key run on every message. Identical expressions are
 * compiled and evaluated once and shared by all their plugins.
 *
 * Exactness: the key test only skips matchers whose required equality is
 * certainly false. A string value that differs from the literal, or an
 * absent or non-string value, makes `==` false (lua_sandbox semantics); a
 * BYTES field value may equal a string literal, so for BYTES every matcher
 * under that key runs in full. A matcher that is nothing but its key's
 * equality is not run again once the key test found its literal.
 *
 * Records read in place (LazyMessage, the analysis worker's) are matched
 * without making header strings: a string header key is looked up by
 * comparing its bytes with each literal's (when there are few), and the
 * matchers run in their in-place form (compileNodeInPlace).
 */
import type { ByteLiteral } from '../message/byte-literal';
import type { HeaderName, StringHeaderName } from '../message/fields';
import { readMessageField, STRING_HEADER_SLOTS, type LazyMessage } from '../message/lazy-message';
import type { FieldValue, Message } from '../message/message';
// The parsed form tells which equalities a matcher requires.
import { parseMatcher, type MatcherNode } from '../matcher';
import { compileNode, compileNodeInPlace, wellFormedUtf8 } from '../matcher/compile';

type Predicate = (m: Message) => boolean;
type InPlacePredicate = (m: LazyMessage) => boolean;
type Reader = (m: Message) => FieldValue | undefined;

/**
 * Where an analysis worker lets its watchdog see which plugin's matcher it is
 * evaluating (see markCostlyEvaluations): before each evaluation of an
 * expression that holds a pattern test (`=~`, `!~`, the only tests whose cost
 * depends on the pattern), `cells[slotCell]` gets the slot of a plugin with
 * that expression and `cells[seqCell]` is bumped; after it, the slot goes
 * back to -1. Equality and number tests are left unmarked: their cost is
 * bounded by the message, and marking them would tax the hot path.
 */
export interface EvaluationMarks {
  cells: Int32Array;
  slotCell: number;
  seqCell: number;
  /** The slot number of an item (a plugin) of this index. */
  slotOf(item: unknown): number;
}

let marks: EvaluationMarks | undefined;

/** Mark costly evaluations of every MatcherIndex in this thread from now on (undefined stops it). */
export function markCostlyEvaluations(m: EvaluationMarks | undefined): void {
  marks = m;
}

/** Matchers sharing one expression text. */
interface Group<T> {
  expression: string;
  /** Holds a pattern test: evaluations are marked for the watchdog. */
  costly: boolean;
  /** Slot of one of `items`, for the marks (computed when first needed). */
  markSlot: number | undefined;
  predicate: Predicate;
  inPlace: InPlacePredicate;
  /** The expression is its key's equality alone: true whenever the key test found its literal. */
  keyOnly: boolean;
  items: T[];
  key: string | undefined;
  literal: string | undefined;
}

interface KeyBucket<T> {
  read: Reader;
  byLiteral: Map<string, Group<T>[]>;
  all: Group<T>[];
  /** For a string header key: its slot in a LazyMessage, -1 for fields. */
  slot: number;
  /** For a header key with few literals: their UTF-8 and groups, to look up in place (else undefined). */
  literalUtf8: ByteLiteral[] | undefined;
  literalGroups: Group<T>[][];
}

interface Equality {
  key: string;
  read: Reader;
  literal: string;
  rank: number;
  slot: number;
  node: MatcherNode;
}

// Up to this many literals, comparing a header's bytes with each beats making its string for a Map lookup.
const MAX_IN_PLACE_LITERALS = 8;

const HEADER_READERS: Partial<Record<HeaderName, Reader>> = {
  Type: (m) => m.type,
  Logger: (m) => m.logger,
  Hostname: (m) => m.hostname,
  EnvVersion: (m) => m.envVersion,
  Payload: (m) => m.payload,
};

// Which required equality to index by: fields tend to be the most selective,
// then the Logger (plugin outputs), then the rest.
const HEADER_RANK: Partial<Record<HeaderName, number>> = { Logger: 4, Hostname: 3, Type: 2, EnvVersion: 1, Payload: 0 };
const FIELD_RANK = 5;

export class MatcherIndex<T> {
  private readonly groups = new Map<string, Group<T>>();
  private readonly keyed = new Map<string, KeyBucket<T>>();
  private unkeyed: Group<T>[] = [];
  private readonly itemGroup = new Map<T, Group<T>>();
  /** Flat arrays rebuilt on change, so match() iterates arrays, not maps. */
  private buckets: KeyBucket<T>[] = [];

  get size(): number {
    return this.itemGroup.size;
  }

  /** Add `item` with matcher `expression` (throws MatcherError when it does not compile). */
  add(item: T, expression: string): void {
    if (this.itemGroup.has(item)) throw new Error('item is already in the matcher index');
    let group = this.groups.get(expression);
    if (!group) {
      const tree = parseMatcher(expression);
      const predicate = compileNode(tree);
      const inPlace = compileNodeInPlace(tree);
      const eq = bestEquality(tree, this.keyed);
      group = {
        expression,
        costly: hasPatternTest(tree),
        markSlot: undefined,
        predicate,
        inPlace,
        keyOnly: eq?.node === tree,
        items: [],
        key: eq?.key,
        literal: eq?.literal,
      };
      this.groups.set(expression, group);
      if (eq) {
        let bucket = this.keyed.get(eq.key);
        if (!bucket) {
          bucket = { read: eq.read, byLiteral: new Map(), all: [], slot: eq.slot, literalUtf8: undefined, literalGroups: [] };
          this.keyed.set(eq.key, bucket);
        }
        bucket.all.push(group);
        const list = bucket.byLiteral.get(eq.literal);
        if (list) list.push(group);
        else bucket.byLiteral.set(eq.literal, [group]);
        indexLiterals(bucket);
      } else {
        this.unkeyed.push(group);
      }
      this.buckets = [...this.keyed.values()];
    }
    group.items.push(item);
    this.itemGroup.set(item, group);
  }

  remove(item: T): void {
    const group = this.itemGroup.get(item);
    if (!group) return;
    this.itemGroup.delete(item);
    group.items = group.items.filter((i) => i !== item);
    group.markSlot = undefined;
    if (group.items.length > 0) return;
    this.groups.delete(group.expression);
    if (group.key === undefined) {
      this.unkeyed = this.unkeyed.filter((g) => g !== group);
      return;
    }
    const bucket = this.keyed.get(group.key)!;
    bucket.all = bucket.all.filter((g) => g !== group);
    const list = bucket.byLiteral.get(group.literal!)!.filter((g) => g !== group);
    if (list.length) bucket.byLiteral.set(group.literal!, list);
    else bucket.byLiteral.delete(group.literal!);
    indexLiterals(bucket);
    if (bucket.all.length === 0) this.keyed.delete(group.key);
    this.buckets = [...this.keyed.values()];
  }

  /**
   * Call `onMatch(items)` once per matching expression with the items that
   * share it (do not keep or change the array). Returns the number of full
   * matcher evaluations made (for stats).
   */
  match(m: Message, onMatch: (items: readonly T[]) => void): number {
    let evaluations = 0;
    const inPlace = (m as Partial<LazyMessage>).readInPlace === true;
    const buckets = this.buckets;
    for (let b = 0; b < buckets.length; b++) {
      const bucket = buckets[b];
      let candidates: Group<T>[] | undefined;
      // Whether every candidate's key equality holds (not so for a BYTES value: see above).
      let literalFound = true;
      const literalUtf8 = bucket.literalUtf8;
      if (inPlace && literalUtf8 !== undefined) {
        const i = (m as LazyMessage).headerIndexIn(bucket.slot, literalUtf8);
        if (i >= 0) candidates = bucket.literalGroups[i];
      } else {
        const v = bucket.read(m);
        if (typeof v === 'string') candidates = bucket.byLiteral.get(v);
        else if (v instanceof Uint8Array) {
          candidates = bucket.all;
          literalFound = false;
        }
      }
      if (candidates === undefined) continue;
      for (let i = 0; i < candidates.length; i++) {
        const g = candidates[i];
        evaluations++;
        if (literalFound && g.keyOnly) onMatch(g.items);
        else if (g.costly && marks !== undefined ? evaluateMarked(g, m, inPlace, marks) : inPlace ? g.inPlace(m as LazyMessage) : g.predicate(m)) {
          onMatch(g.items);
        }
      }
    }
    const unkeyed = this.unkeyed;
    for (let i = 0; i < unkeyed.length; i++) {
      const g = unkeyed[i];
      evaluations++;
      if (g.costly && marks !== undefined ? evaluateMarked(g, m, inPlace, marks) : inPlace ? g.inPlace(m as LazyMessage) : g.predicate(m)) {
        onMatch(g.items);
      }
    }
    return evaluations;
  }

  /** How the index is laid out, for stats and tests. */
  describe(): { expressions: number; keys: Record<string, number>; unkeyed: number } {
    const keys: Record<string, number> = {};
    for (const [k, b] of this.keyed) keys[k] = b.all.length;
    return { expressions: this.groups.size, keys, unkeyed: this.unkeyed.length };
  }
}

/** Evaluate a costly group with its plugin's slot marked for the watchdog (see EvaluationMarks). */
function evaluateMarked<T>(g: Group<T>, m: Message, inPlace: boolean, marks: EvaluationMarks): boolean {
  const cells = marks.cells;
  cells[marks.slotCell] = g.markSlot ??= marks.slotOf(g.items[0]);
  cells[marks.seqCell]++;
  try {
    return inPlace ? g.inPlace(m as LazyMessage) : g.predicate(m);
  } finally {
    cells[marks.slotCell] = -1;
  }
}

function hasPatternTest(node: MatcherNode): boolean {
  if (node.kind === 'and' || node.kind === 'or') return hasPatternTest(node.left) || hasPatternTest(node.right);
  return node.kind === 'test' && (node.op === '=~' || node.op === '!~');
}

/**
 * A header bucket's literals as UTF-8, for lookups in place, when there are
 * few. A literal with a lone surrogate is left out: it never equals a
 * decoded header, so byLiteral never yields it either.
 */
function indexLiterals<T>(bucket: KeyBucket<T>): void {
  bucket.literalUtf8 = undefined;
  bucket.literalGroups = [];
  if (bucket.slot < 0 || bucket.byLiteral.size > MAX_IN_PLACE_LITERALS) return;
  const literalUtf8: ByteLiteral[] = [];
  for (const [literal, groups] of bucket.byLiteral) {
    const utf8 = wellFormedUtf8(literal);
    if (utf8 === undefined) continue;
    literalUtf8.push(utf8);
    bucket.literalGroups.push(groups);
  }
  bucket.literalUtf8 = literalUtf8;
}

/** The required `==` string tests of an expression: true in every match. */
function requiredEqualities(node: MatcherNode, out: Equality[]): void {
  if (node.kind === 'and') {
    requiredEqualities(node.left, out);
    requiredEqualities(node.right, out);
    return;
  }
  // An 'or' has no single required test; constants need none.
  if (node.kind !== 'test' || node.op !== '==' || node.operand.kind !== 'string') return;
  const target = node.target;
  const literal = node.operand.value;
  if (target.kind === 'field') {
    const { name, fi, ai } = target;
    const key = `Fields[${name}][${fi}][${ai}]`;
    const read: Reader = (m) => readMessageField(m, name, fi, ai);
    out.push({ key, read, literal, rank: FIELD_RANK, slot: -1, node });
    return;
  }
  const read = HEADER_READERS[target.name];
  if (read) {
    const slot = STRING_HEADER_SLOTS[target.name as StringHeaderName];
    out.push({ key: target.name, read, literal, rank: HEADER_RANK[target.name] ?? 0, slot, node });
  }
}

function bestEquality<T>(node: MatcherNode, existing: Map<string, KeyBucket<T>>): Equality | undefined {
  const all: Equality[] = [];
  requiredEqualities(node, all);
  // Expressions already filed under an equality's key and literal: every one
  // of them runs in full on each message the key test lets through.
  const crowd = (e: Equality) => existing.get(e.key)?.byLiteral.get(e.literal)?.length ?? 0;
  let best: Equality | undefined;
  for (const e of all) {
    // Prefer higher rank; at equal rank the less crowded literal (fifty
    // matchers requiring docType 'main' and each a different country belong
    // under their countries, or all fifty run on every 'main' message), then
    // a key already indexed (fewer reads per message).
    if (!best || e.rank > best.rank) {
      best = e;
      continue;
    }
    if (e.rank < best.rank) continue;
    const c = crowd(e);
    const bestCrowd = crowd(best);
    if (c < bestCrowd || (c === bestCrowd && existing.has(e.key) && !existing.has(best.key))) best = e;
  }
  return best;
}
