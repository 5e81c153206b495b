/**
 * Turns a parsed matcher into nested closures, one per node, each specialised
 * for its header or field, operator and literal type, so evaluating a message
 * does no dispatch on the expression and allocates nothing (except for
 * patterns on non-ASCII text, Uuid patterns and BYTES fields).
 *
 * Semantics follow lua_sandbox's heka_message_matcher.c:
 * - String headers (Type, Logger, Hostname, EnvVersion, Payload) when absent:
 *   '==' and '=~' are false, '!=' and '!~' true, '<' and '<=' true, '>' and
 *   '>=' false (the C code compares a NULL string that way).
 * - Severity is 7 when absent; an absent Pid compares as INT_MIN (its
 *   "unset" value in lua_sandbox), so `Pid != 0` holds for a message without
 *   a Pid; `Pid == NIL` tests for absence.
 * - Fields: a missing value, or one of the wrong type, makes every test false
 *   ('!=' and '!~' included); only NIL tests for absence. Strings compare
 *   with STRING and BYTES values, numbers with INTEGER and DOUBLE values, and
 *   TRUE/FALSE with BOOL, INTEGER and DOUBLE values (as 1/0).
 * - Strings compare as UTF-8 bytes (memcmp order).
 * - Timestamp and bigint INTEGER values compare exactly with the literal
 *   (lua_sandbox goes through doubles); number values compare as doubles.
 * - Uuid: see uuidBytesOf.
 *
 * compileNodeInPlace compiles the same expression for LazyMessages (records
 * read in place, as the analysis worker reads them): equal answers, but a
 * string header compared with a literal is compared as bytes in the record,
 * without making its string. Decoded messages keep closures that never ask
 * which kind of message they have.
 */
import type { Message } from '../message/message';
import { uuidToHex } from '../message/fields';
// Fields are read through readMessageField so a LazyMessage (the analysis
// worker's) is read in place instead of decoding all its fields.
import { readMessageField as importedReadField, STRING_HEADER_SLOTS, type LazyMessage } from '../message/lazy-message';
import { ByteLiteral } from '../message/byte-literal';
import { parseUuid } from '../message/uuid';
import type { MatcherNode, Operand, Operator, RelationalOp, StringHeaderName, TestNode } from './ast';
import { bytesEqual, compareBytes, compareUtf8, utf8Bytes } from './byte-string';
import { bigintComparison, exactDecimal, type ExactDecimal } from './exact-decimal';

export type MessagePredicate = (message: Message) => boolean;

// A module-local copy: imported bindings can compile to getter calls (tsx, CommonJS interop), too slow per evaluation.
const readField = importedReadField;

const INT_MIN = -2147483648;
const DEFAULT_SEVERITY = 7;

const alwaysTrue: MessagePredicate = () => true;
const alwaysFalse: MessagePredicate = () => false;

/** `node` as a predicate on any Message. */
export function compileNode(node: MatcherNode): MessagePredicate {
  return compile(node, false);
}

/** `node` as a predicate on LazyMessages only, giving compileNode's answers (see above). */
export function compileNodeInPlace(node: MatcherNode): (message: LazyMessage) => boolean {
  return compile(node, true);
}

function compile(node: MatcherNode, inPlace: boolean): MessagePredicate {
  switch (node.kind) {
    case 'constant':
      return node.value ? alwaysTrue : alwaysFalse;
    case 'and':
      return (inPlace ? andInPlace : and)(compile(node.left, inPlace), compile(node.right, inPlace));
    case 'or':
      return (inPlace ? orInPlace : or)(compile(node.left, inPlace), compile(node.right, inPlace));
    case 'test':
      return compileTest(node, inPlace);
  }
}

// The in-place closures come from their own function literals: V8 keeps one
// type feedback per literal, and calls shared by the decoded and in-place
// predicates of a matcher would see both kinds and inline neither.
const and = (left: MessagePredicate, right: MessagePredicate): MessagePredicate => (m) => left(m) && right(m);
const or = (left: MessagePredicate, right: MessagePredicate): MessagePredicate => (m) => left(m) || right(m);
const andInPlace = (left: MessagePredicate, right: MessagePredicate): MessagePredicate => (m) => left(m) && right(m);
const orInPlace = (left: MessagePredicate, right: MessagePredicate): MessagePredicate => (m) => left(m) || right(m);

function compileTest(test: TestNode, inPlace: boolean): MessagePredicate {
  const { target, op, operand } = test;
  if (target.kind === 'field') return fieldTest(intern(target.name), target.fi, target.ai, op, operand, inPlace);
  switch (target.name) {
    case 'Type':
    case 'Logger':
    case 'Hostname':
    case 'EnvVersion':
    case 'Payload':
      return stringHeaderTest(target.name, op, operand, inPlace);
    case 'Uuid':
      return uuidTest(op, operand);
    case 'Severity':
      return numberTest((m) => m.severity ?? DEFAULT_SEVERITY, op as RelationalOp, operand);
    case 'Pid':
      if (operand.kind === 'nil') return op === '==' ? (m) => m.pid === undefined : (m) => m.pid !== undefined;
      return numberTest((m) => m.pid ?? INT_MIN, op as RelationalOp, operand);
    case 'Timestamp': {
      const literal: ExactDecimal =
        operand.kind === 'time' ? { floor: operand.ns, fractional: false } : exactDecimal(numberText(operand));
      return timestampTest(op as RelationalOp, literal);
    }
  }
}

// ---- string headers ------------------------------------------------------

type StringGetter = (m: Message) => string | undefined;

const STRING_GETTERS: Record<StringHeaderName, StringGetter> = {
  Type: (m) => m.type,
  Logger: (m) => m.logger,
  Hostname: (m) => m.hostname,
  EnvVersion: (m) => m.envVersion,
  Payload: (m) => m.payload,
};

function stringHeaderTest(name: StringHeaderName, op: Operator, operand: Operand, inPlace: boolean): MessagePredicate {
  const get = STRING_GETTERS[name];
  if (operand.kind === 'nil') {
    return op === '==' ? (m) => get(m) === undefined : (m) => get(m) !== undefined;
  }
  if (operand.kind === 'pattern') {
    const test = operand.pattern.test;
    if (op === '=~') {
      return (m) => {
        const v = get(m);
        return v !== undefined && test(v);
      };
    }
    return (m) => {
      const v = get(m);
      return v === undefined || !test(v);
    };
  }
  const lit = stringText(operand);
  if (op === '==' || op === '!=') {
    const utf8 = inPlace ? wellFormedUtf8(lit) : undefined;
    if (utf8 !== undefined) return headerBytesEquality(STRING_HEADER_SLOTS[name], utf8, op === '!=');
    return stringHeaderEquality(name, lit, op === '!=');
  }
  switch (op) {
    case '<':
      return (m) => {
        const v = get(m);
        return v === undefined || compareUtf8(v, lit) < 0;
      };
    case '<=':
      return (m) => {
        const v = get(m);
        return v === undefined || compareUtf8(v, lit) <= 0;
      };
    case '>':
      return (m) => {
        const v = get(m);
        return v !== undefined && compareUtf8(v, lit) > 0;
      };
    case '>=':
      return (m) => {
        const v = get(m);
        return v !== undefined && compareUtf8(v, lit) >= 0;
      };
    default:
      throw new Error(`unreachable: ${op} on ${name}`);
  }
}

/** The hottest tests, one closure per header so each property read stays monomorphic. */
function stringHeaderEquality(name: StringHeaderName, lit: string, negate: boolean): MessagePredicate {
  switch (name) {
    case 'Type':
      return negate ? (m) => m.type !== lit : (m) => m.type === lit;
    case 'Logger':
      return negate ? (m) => m.logger !== lit : (m) => m.logger === lit;
    case 'Hostname':
      return negate ? (m) => m.hostname !== lit : (m) => m.hostname === lit;
    case 'EnvVersion':
      return negate ? (m) => m.envVersion !== lit : (m) => m.envVersion === lit;
    case 'Payload':
      return negate ? (m) => m.payload !== lit : (m) => m.payload === lit;
  }
}

/**
 * A LazyMessage's string header against a literal's UTF-8, in place. Only
 * for literals without lone surrogates: such a literal never equals a
 * decoded header, but its encoding (with U+FFFD) might equal a record's bytes.
 */
function headerBytesEquality(slot: number, utf8: ByteLiteral, negate: boolean): MessagePredicate {
  return negate
    ? (m) => !(m as LazyMessage).headerEquals(slot, utf8)
    : (m) => (m as LazyMessage).headerEquals(slot, utf8);
}

/** The UTF-8 bytes of `s` as a ByteLiteral, or undefined when `s` has a lone surrogate (which has none). */
export function wellFormedUtf8(s: string): ByteLiteral | undefined {
  const bytes = utf8Bytes(s);
  return utf8Decoder.decode(bytes) === s ? new ByteLiteral(bytes) : undefined;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// ---- Uuid ----------------------------------------------------------------

/**
 * Uuid is 16 raw bytes, and lua_sandbox compares those bytes with the
 * literal's bytes, so `Uuid == '<text>'` could never hold for a textual UUID.
 * Here a literal written as 32 hex digits or in the 8-4-4-4-12 form (either
 * case) stands for its 16 bytes; any other literal compares with the raw
 * bytes as in lua_sandbox. Orderings compare bytes, which is also the order
 * of the lower-case hex form. Patterns (=~, !~) run on the 32 lower-case hex
 * characters, the form read_message('Uuid') returns in Foresight.
 */
function uuidBytesOf(literal: string): Uint8Array {
  return parseUuid(literal) ?? utf8Bytes(literal);
}

function uuidTest(op: Operator, operand: Operand): MessagePredicate {
  if (operand.kind === 'pattern') {
    const test = operand.pattern.test;
    return op === '=~' ? (m) => test(uuidToHex(m.uuid)) : (m) => !test(uuidToHex(m.uuid));
  }
  const lit = uuidBytesOf(stringText(operand));
  switch (op) {
    case '==':
      return (m) => bytesEqual(m.uuid, lit);
    case '!=':
      return (m) => !bytesEqual(m.uuid, lit);
    case '<':
      return (m) => compareBytes(m.uuid, lit) < 0;
    case '<=':
      return (m) => compareBytes(m.uuid, lit) <= 0;
    case '>':
      return (m) => compareBytes(m.uuid, lit) > 0;
    case '>=':
      return (m) => compareBytes(m.uuid, lit) >= 0;
    default:
      throw new Error(`unreachable: ${op} on Uuid`);
  }
}

// ---- numeric headers -----------------------------------------------------

/** Direct closures for whole-number literals (the usual case), the general comparison otherwise. */
function timestampTest(op: RelationalOp, literal: ExactDecimal): MessagePredicate {
  if (literal.fractional) {
    const compare = bigintComparison(op, literal);
    return (m) => compare(m.timestamp);
  }
  const t = literal.floor;
  switch (op) {
    case '==':
      return (m) => m.timestamp === t;
    case '!=':
      return (m) => m.timestamp !== t;
    case '<':
      return (m) => m.timestamp < t;
    case '<=':
      return (m) => m.timestamp <= t;
    case '>':
      return (m) => m.timestamp > t;
    case '>=':
      return (m) => m.timestamp >= t;
  }
}

function numberTest(get: (m: Message) => number, op: RelationalOp, operand: Operand): MessagePredicate {
  const d = numberValue(operand);
  switch (op) {
    case '==':
      return (m) => get(m) === d;
    case '!=':
      return (m) => get(m) !== d;
    case '<':
      return (m) => get(m) < d;
    case '<=':
      return (m) => get(m) <= d;
    case '>':
      return (m) => get(m) > d;
    case '>=':
      return (m) => get(m) >= d;
  }
}

// ---- Fields --------------------------------------------------------------

/** Fields[name][fi][ai]; tests call readField directly, a static call the JIT can inline. */
interface FieldRef {
  name: string;
  fi: number;
  ai: number;
}

function fieldTest(name: string, fi: number, ai: number, op: Operator, operand: Operand, inPlace: boolean): MessagePredicate {
  const ref: FieldRef = { name, fi, ai };
  switch (operand.kind) {
    case 'nil':
      return op === '=='
        ? (m) => readField(m, name, fi, ai) === undefined
        : (m) => readField(m, name, fi, ai) !== undefined;
    case 'pattern':
      return fieldPatternTest(ref, op === '!~', operand);
    case 'string':
      if (op === '==' && fi === 0 && ai === 0) return fieldStringEquals(name, stringText(operand), inPlace);
      return fieldStringTest(ref, op as RelationalOp, stringText(operand));
    case 'number':
      return fieldNumberTest(ref, op as RelationalOp, operand);
    case 'bool':
      return fieldBoolTest(ref, op === '!=', operand.value);
    case 'time':
      throw new Error('unreachable: a time literal on a field');
  }
}

/**
 * Fields[name] == 'literal', the most common field test: compared in the
 * record, no string made, on a message read in place; with the lookup inlined
 * for decoded messages.
 */
function fieldStringEquals(name: string, lit: string, inPlace: boolean): MessagePredicate {
  const litBytes = utf8Bytes(lit);
  const litUtf8 = wellFormedUtf8(lit);
  const litLiteral = litUtf8 ?? new ByteLiteral(litBytes);
  if (inPlace) return (m) => (m as LazyMessage).fieldEquals(name, litUtf8, litLiteral);
  return (m) => {
    if ((m as Partial<LazyMessage>).readInPlace === true) return (m as LazyMessage).fieldEquals(name, litUtf8, litLiteral);
    const fields = m.fields;
    for (let i = 0, n = fields.length; i < n; i++) {
      const f = fields[i];
      if (f.name === name) {
        const v = f.value[0];
        return v === lit || (typeof v === 'object' && bytesEqual(v, litBytes));
      }
    }
    return false;
  };
}

function fieldStringTest(ref: FieldRef, op: RelationalOp, lit: string): MessagePredicate {
  const { name, fi, ai } = ref;
  const litBytes = utf8Bytes(lit);
  const holds = relation(op);
  return (m) => {
    const v = readField(m, name, fi, ai);
    if (typeof v === 'string') return holds(v === lit ? 0 : compareUtf8(v, lit));
    if (typeof v === 'object') return holds(compareBytes(v, litBytes));
    return false;
  };
}

function fieldPatternTest(ref: FieldRef, negate: boolean, operand: Operand & { kind: 'pattern' }): MessagePredicate {
  const { name, fi, ai } = ref;
  const { test, testBytes } = operand.pattern;
  if (negate) {
    return (m) => {
      const v = readField(m, name, fi, ai);
      if (typeof v === 'string') return !test(v);
      if (typeof v === 'object') return !testBytes(v);
      return false;
    };
  }
  return (m) => {
    const v = readField(m, name, fi, ai);
    if (typeof v === 'string') return test(v);
    if (typeof v === 'object') return testBytes(v);
    return false;
  };
}

function fieldNumberTest(ref: FieldRef, op: RelationalOp, operand: Operand & { kind: 'number' }): MessagePredicate {
  const { name, fi, ai } = ref;
  const d = operand.value;
  const exact = bigintComparison(op, exactDecimal(operand.text));
  const holds = doubleComparison(op, d);
  return (m) => {
    const v = readField(m, name, fi, ai);
    if (typeof v === 'number') return holds(v);
    if (typeof v === 'bigint') return exact(v);
    return false;
  };
}

/** TRUE/FALSE match BOOL values and numbers equal to 1/0, as in lua_sandbox. */
function fieldBoolTest(ref: FieldRef, negate: boolean, b: boolean): MessagePredicate {
  const { name, fi, ai } = ref;
  const n = b ? 1 : 0;
  const big = b ? 1n : 0n;
  return (m) => {
    const v = readField(m, name, fi, ai);
    switch (typeof v) {
      case 'boolean':
        return (v === b) !== negate;
      case 'number':
        return (v === n) !== negate;
      case 'bigint':
        return (v === big) !== negate;
      default:
        return false;
    }
  };
}

// ---- helpers -------------------------------------------------------------

/**
 * The engine's canonical copy of `s` (property keys are interned), so that
 * `===` against interned message strings is a pointer comparison instead of
 * a char-by-char one.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

function relation(op: RelationalOp): (cmp: number) => boolean {
  switch (op) {
    case '==':
      return (c) => c === 0;
    case '!=':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
  }
}

function doubleComparison(op: RelationalOp, d: number): (v: number) => boolean {
  switch (op) {
    case '==':
      return (v) => v === d;
    case '!=':
      return (v) => v !== d;
    case '<':
      return (v) => v < d;
    case '<=':
      return (v) => v <= d;
    case '>':
      return (v) => v > d;
    case '>=':
      return (v) => v >= d;
  }
}

function stringText(operand: Operand): string {
  if (operand.kind !== 'string') throw new Error(`unreachable: expected a string operand, got ${operand.kind}`);
  return intern(operand.value);
}

function numberValue(operand: Operand): number {
  if (operand.kind !== 'number') throw new Error(`unreachable: expected a number operand, got ${operand.kind}`);
  return operand.value;
}

function numberText(operand: Operand): string {
  if (operand.kind !== 'number') throw new Error(`unreachable: expected a number operand, got ${operand.kind}`);
  return operand.text;
}
