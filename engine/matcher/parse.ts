/**
 * Parser for Heka message matcher expressions, the grammar of lua_sandbox's
 * heka_message_matcher_parser.leg (see shared/docs/heka-compat.md), with an
 * error that names the problem and its position instead of "invalid message
 * matcher".
 *
 * Deliberate differences from lua_sandbox, all accepting more, never less,
 * except where lua_sandbox's answer was a bug:
 * - whitespace is space, tab, CR and LF (lua_sandbox: space and tab);
 * - '\\' is an escape for a backslash besides \' and \" (lua_sandbox keeps
 *   "\\" as two backslashes and cannot end a string with one);
 * - RFC 3339 offsets may be written +01:00 (RFC 3339) as well as +0100 (the
 *   only form lua_sandbox takes), and mean what RFC 3339 says (lua_sandbox adds
 *   the offset instead of subtracting it, and reads the time in local time);
 * - indexes 206-209, 216-219, ... 246-249 are accepted (lua_sandbox's
 *   zero_to_255 rule misses them);
 * - malformed Lua patterns are rejected (lua_sandbox accepts them and never
 *   matches).
 */
import { HEADER_NAMES, type HeaderName } from '../message/fields';
import { parseRfc3339 } from '../message/time';
import type { MatcherNode, Operand, Operator, StringHeaderName, Target, TestNode } from './ast';
import { utf8Length } from './byte-string';
import { createLuaPattern, LuaPatternError } from './lua-pattern';
import { MatcherError } from './matcher-error';

export const MAX_TESTS = 128;
export const MAX_STRING_BYTES = 255;
export const MAX_INDEX = 255;
/** Parentheses nested deeper than this are refused (the parser recurses once per level). */
export const MAX_NESTING = 256;

const STRING_HEADERS: ReadonlySet<string> = new Set<StringHeaderName>([
  'Type',
  'Logger',
  'Hostname',
  'EnvVersion',
  'Payload',
]);
const HEADERS: ReadonlySet<string> = new Set<string>(HEADER_NAMES);
const NUMBER = /^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
// lua_sandbox's form (+hhmm) and RFC 3339's (+hh:mm); the date and time are checked by parseRfc3339
const TIME = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([Zz])|([+-]\d{2}):?(\d{2}))$/;

/** Parses `expression`; throws MatcherError. */
export function parseMatcher(expression: string): MatcherNode {
  if (typeof expression !== 'string') throw new MatcherError('a matcher expression must be a string', 0);
  return new Parser(expression).parse();
}

/** A quoted string literal: its value, and for each char of the value the offset it came from. */
interface StringToken {
  value: string;
  start: number;
  offsets: number[];
}

class Parser {
  private pos = 0;
  private tests = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parse(): MatcherNode {
    this.skipSpace();
    if (this.pos >= this.src.length) throw new MatcherError('empty matcher expression', this.pos);
    const node = this.parseOr();
    if (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === ')') throw new MatcherError("unexpected ')' without a matching '('", this.pos);
      this.rejectSingleLogical();
      throw new MatcherError(`expected '&&', '||' or the end of the matcher, found ${this.found()}`, this.pos);
    }
    return node;
  }

  private parseOr(): MatcherNode {
    let left = this.parseAnd();
    while (this.src.startsWith('||', this.pos)) {
      this.pos += 2;
      this.skipSpace();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): MatcherNode {
    let left = this.parsePrimary();
    while (this.src.startsWith('&&', this.pos)) {
      this.pos += 2;
      this.skipSpace();
      left = { kind: 'and', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): MatcherNode {
    if (this.src[this.pos] !== '(') return this.parseTest();
    const open = this.pos++;
    if (++this.depth > MAX_NESTING) {
      throw new MatcherError(`parentheses nested deeper than ${MAX_NESTING}`, open);
    }
    this.skipSpace();
    if (this.src[this.pos] === ')') throw new MatcherError("empty parentheses: expected a test after '('", this.pos);
    const inner = this.parseOr();
    this.depth--;
    if (this.src[this.pos] !== ')') {
      if (this.pos >= this.src.length) throw new MatcherError("unclosed '(': expected ')'", open);
      this.rejectSingleLogical();
      throw new MatcherError(`expected '&&', '||' or ')', found ${this.found()}`, this.pos);
    }
    this.pos++;
    this.skipSpace();
    return inner;
  }

  private parseTest(): MatcherNode {
    const start = this.pos;
    if (++this.tests > MAX_TESTS) {
      throw new MatcherError(`too many tests: a matcher holds at most ${MAX_TESTS}`, start);
    }
    const word = this.readWord();
    if (word === 'TRUE' || word === 'FALSE') {
      this.skipSpace();
      return { kind: 'constant', position: start, value: word === 'TRUE' };
    }
    if (word === 'NIL') {
      throw new MatcherError('NIL is not a test: write Fields[name] == NIL (or a header) to test for absence', start);
    }
    let target: Target;
    if (word === 'Fields') target = this.readFieldTarget();
    else if (HEADERS.has(word)) target = { kind: 'header', name: word as HeaderName };
    else if (word === '') {
      throw new MatcherError(`expected a test (a header, Fields[name], TRUE or FALSE), found ${this.found()}`, start);
    } else throw new MatcherError(`unknown header '${word}'`, start);

    this.skipSpace();
    const opPos = this.pos;
    const op = this.readOperator(target);
    this.skipSpace();
    const operand = this.readOperand(target, op, opPos);
    this.skipSpace();
    const test: TestNode = { kind: 'test', position: start, target, op, operand };
    return test;
  }

  private readFieldTarget(): Target {
    if (this.src[this.pos] !== '[') {
      throw new MatcherError("expected '[' right after 'Fields', as in Fields[name]", this.pos);
    }
    const open = this.pos++;
    const close = this.src.indexOf(']', this.pos);
    if (close < 0) throw new MatcherError("unclosed '[': expected ']' after the field name", open);
    const name = this.src.slice(this.pos, close);
    if (name === '') throw new MatcherError('empty field name', this.pos);
    if (utf8Length(name) > MAX_STRING_BYTES) {
      throw new MatcherError(`field name longer than ${MAX_STRING_BYTES} bytes`, this.pos);
    }
    this.pos = close + 1;
    const indexes: number[] = [];
    while (this.src[this.pos] === '[') {
      if (indexes.length === 2) {
        throw new MatcherError('too many indexes: at most Fields[name][field index][array index]', this.pos);
      }
      indexes.push(this.readIndex());
    }
    return { kind: 'field', name, fi: indexes[0] ?? 0, ai: indexes[1] ?? 0 };
  }

  private readIndex(): number {
    const open = this.pos++;
    const start = this.pos;
    while (isDigit(this.src.charCodeAt(this.pos))) this.pos++;
    const digits = this.src.slice(start, this.pos);
    if (this.pos >= this.src.length) throw new MatcherError("unclosed '[': expected an index and ']'", open);
    if (digits === '') throw new MatcherError(`expected an index 0..${MAX_INDEX}, found ${this.found()}`, start);
    if (this.src[this.pos] !== ']') throw new MatcherError(`expected ']' after the index, found ${this.found()}`, this.pos);
    if (digits.length > 1 && digits[0] === '0') {
      throw new MatcherError(`index '${digits}' has a leading zero`, start);
    }
    const value = Number(digits);
    if (value > MAX_INDEX) throw new MatcherError(`index ${digits} is out of range 0..${MAX_INDEX}`, start);
    this.pos++;
    return value;
  }

  private readOperator(target: Target): Operator {
    const two = this.src.substr(this.pos, 2);
    if (two === '==' || two === '!=' || two === '>=' || two === '<=' || two === '=~' || two === '!~') {
      this.pos += 2;
      return two;
    }
    const c = this.src[this.pos];
    if (c === '<' || c === '>') {
      this.pos++;
      return c;
    }
    if (c === '=') throw new MatcherError("'=' is not an operator: use '==' to compare", this.pos);
    throw new MatcherError(
      `expected an operator (==, !=, <, <=, >, >=, =~ or !~) after ${label(target)}, found ${this.found()}`,
      this.pos,
    );
  }

  private readOperand(target: Target, op: Operator, opPos: number): Operand {
    const isPattern = op === '=~' || op === '!~';
    const equality = op === '==' || op === '!=';
    const at = this.pos;
    const c = this.src[at];
    const name = label(target);
    const numeric = target.kind === 'header' && (target.name === 'Severity' || target.name === 'Pid' || target.name === 'Timestamp');

    if (numeric && isPattern) throw new MatcherError(`${name} is numeric: string match not allowed`, opPos);

    if (c === "'" || c === '"') {
      const token = this.readString();
      if (isPattern) return this.patternOperand(token);
      if (this.src[this.pos] === '%') {
        throw new MatcherError("'%' (literal search) may only follow the pattern of =~ or !~", this.pos);
      }
      this.rejectModifier('string');
      if (target.kind === 'header' && target.name === 'Timestamp') return timeOperand(token);
      if (numeric) throw new MatcherError(`${name} is numeric: expected a number after '${op}'`, at);
      return { kind: 'string', value: token.value };
    }

    if (c === '-' || c === '+' || isDigit(this.src.charCodeAt(at))) {
      const text = this.readNumberToken();
      if (!NUMBER.test(text)) throw new MatcherError(`malformed number '${text}'`, at);
      if (isPattern) throw new MatcherError(`expected a string after '${op}'`, at);
      if (target.kind === 'header' && !numeric) {
        throw new MatcherError(`${name} is a string: expected a string after '${op}'`, at);
      }
      return { kind: 'number', text, value: Number(text) };
    }

    const word = this.peekWord();
    if (word === 'NIL' || word === 'TRUE' || word === 'FALSE') {
      if (isPattern) throw new MatcherError(`expected a string after '${op}'`, at);
      if (target.kind === 'header') {
        if (word !== 'NIL') throw new MatcherError(`expected ${expectation(target, op)} after '${op}'`, at);
        if (target.name === 'Uuid' || target.name === 'Timestamp') {
          throw new MatcherError(`${name} is always present: NIL not allowed`, at);
        }
        if (target.name === 'Severity') {
          throw new MatcherError('Severity is always present (7 when not set): NIL not allowed', at);
        }
      }
      if (!equality) throw new MatcherError(`${word} can only be compared with '==' or '!='`, at);
      this.pos += word.length;
      return word === 'NIL' ? { kind: 'nil' } : { kind: 'bool', value: word === 'TRUE' };
    }

    throw new MatcherError(`expected ${expectation(target, op)} after '${op}', found ${this.found()}`, at);
  }

  private patternOperand(token: StringToken): Operand {
    let plain = false;
    if (this.src[this.pos] === '%') {
      plain = true;
      this.pos++;
    } else {
      let i = this.pos;
      while (isSpace(this.src.charCodeAt(i))) i++;
      if (this.src[i] === '%') {
        throw new MatcherError("the literal-search '%' must follow the pattern's closing quote directly", i);
      }
    }
    this.rejectModifier('pattern');
    try {
      return { kind: 'pattern', pattern: createLuaPattern(token.value, { dialect: 'heka', plain }), plain };
    } catch (err) {
      if (err instanceof LuaPatternError) {
        throw new MatcherError(err.reason, token.offsets[err.position] ?? token.start);
      }
      throw err;
    }
  }

  /** 'foo'i and the like: Heka has no pattern modifiers. */
  private rejectModifier(what: 'string' | 'pattern'): void {
    const c = this.src[this.pos];
    if (c !== undefined && (isWordChar(this.src.charCodeAt(this.pos)) || c === "'" || c === '"')) {
      const hint = what === 'pattern' ? " (a pattern takes no modifiers; only '%' right after it, for a literal search)" : '';
      throw new MatcherError(`unexpected '${c}' after the ${what}${hint}`, this.pos);
    }
  }

  private readString(): StringToken {
    const src = this.src;
    const quote = src[this.pos];
    const start = this.pos;
    let i = start + 1;
    let value = '';
    const offsets: number[] = [];
    for (;;) {
      if (i >= src.length) throw new MatcherError(`unclosed string: missing the closing ${quote}`, start);
      const c = src[i];
      if (c === '\\' && (src[i + 1] === "'" || src[i + 1] === '"' || src[i + 1] === '\\')) {
        offsets.push(i);
        value += src[i + 1];
        i += 2;
        continue;
      }
      if (c === quote) break;
      offsets.push(i);
      value += c;
      i++;
    }
    offsets.push(i); // the closing quote stands for "the end of the string"
    this.pos = i + 1;
    const bytes = utf8Length(value);
    if (bytes > MAX_STRING_BYTES) {
      throw new MatcherError(`string longer than ${MAX_STRING_BYTES} bytes (${bytes})`, start);
    }
    return { value, start, offsets };
  }

  private readNumberToken(): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (!isWordChar(c) && c !== 0x2e && c !== 0x2b && c !== 0x2d) break; // . + -
      this.pos++;
    }
    return this.src.slice(start, this.pos);
  }

  private readWord(): string {
    const word = this.peekWord();
    this.pos += word.length;
    return word;
  }

  private peekWord(): string {
    let i = this.pos;
    if (!isWordStart(this.src.charCodeAt(i))) return '';
    while (isWordChar(this.src.charCodeAt(i))) i++;
    return this.src.slice(this.pos, i);
  }

  private skipSpace(): void {
    while (isSpace(this.src.charCodeAt(this.pos))) this.pos++;
  }

  /** A lone '&' or '|' gets its own message. */
  private rejectSingleLogical(): void {
    const c = this.src[this.pos];
    if (c === '&' || c === '|') {
      throw new MatcherError(`'${c}' is not an operator: use '${c}${c}'`, this.pos);
    }
  }

  /** What is at the current position, for messages. */
  private found(): string {
    if (this.pos >= this.src.length) return 'the end of the matcher';
    const word = this.peekWord();
    if (word) return `'${word}'`;
    return `'${this.src[this.pos]}'`;
  }
}

function timeOperand(token: StringToken): Operand {
  const m = TIME.exec(token.value);
  const ns = m ? parseRfc3339(`${m[1]}${m[2] ?? `${m[3]}:${m[4]}`}`) : undefined;
  if (ns === undefined) {
    throw new MatcherError(
      `${JSON.stringify(token.value)} is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`,
      token.start,
    );
  }
  return { kind: 'time', ns };
}

function label(target: Target): string {
  if (target.kind === 'header') return target.name;
  const fi = target.fi || target.ai ? `[${target.fi}]` : '';
  const ai = target.ai ? `[${target.ai}]` : '';
  return `Fields[${target.name}]${fi}${ai}`;
}

/** What may follow `op` for this target, for messages. */
function expectation(target: Target, op: Operator): string {
  if (op === '=~' || op === '!~') return 'a string';
  const equality = op === '==' || op === '!=';
  if (target.kind === 'field') return equality ? 'a string, a number, TRUE, FALSE or NIL' : 'a string or a number';
  switch (target.name) {
    case 'Timestamp':
      return 'a number or a quoted RFC 3339 time';
    case 'Severity':
      return 'a number';
    case 'Pid':
      return equality ? 'a number or NIL' : 'a number';
    case 'Uuid':
      return 'a string';
    default:
      return equality ? 'a string or NIL' : 'a string';
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isWordStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}
