import { describe, expect, it } from 'vitest';
import { compileMatcher, MatcherError } from './index';
import { lsbMessage, S255, T128 } from './lsb-fixtures';
import { parseMatcher } from './parse';

function rejection(expression: string): MatcherError {
  try {
    compileMatcher(expression);
  } catch (err) {
    if (err instanceof MatcherError) return err;
    throw err;
  }
  throw new Error(`accepted: ${expression}`);
}

/** [expression, reason, position] */
const REJECTED: [string, string, number][] = [
  // empty input
  ['', 'empty matcher expression', 0],
  ['   \t\r\n', 'empty matcher expression', 6],
  // unknown variables and keywords in the wrong place
  ['Invalid == 1', "unknown header 'Invalid'", 0],
  ["type == 'x'", "unknown header 'type'", 0],
  ["Typo == 'x'", "unknown header 'Typo'", 0],
  ["TRUE && Hostnames == 'x'", "unknown header 'Hostnames'", 8],
  ["fields[x] == 'x'", "unknown header 'fields'", 0],
  ['NIL', 'NIL is not a test: write Fields[name] == NIL (or a header) to test for absence', 0],
  ['TRUE && NIL', 'NIL is not a test: write Fields[name] == NIL (or a header) to test for absence', 8],
  ['== 1', "expected a test (a header, Fields[name], TRUE or FALSE), found '='", 0],
  ["'x' == Type", "expected a test (a header, Fields[name], TRUE or FALSE), found '''", 0],
  ['TRUE &&', 'expected a test (a header, Fields[name], TRUE or FALSE), found the end of the matcher', 7],
  ['TRUE || ', 'expected a test (a header, Fields[name], TRUE or FALSE), found the end of the matcher', 8],
  ['&& TRUE', "expected a test (a header, Fields[name], TRUE or FALSE), found '&'", 0],
  // operators
  ["Type = 'test'", "'=' is not an operator: use '==' to compare", 5],
  ["Type =< 'test'", "'=' is not an operator: use '==' to compare", 5],
  ["Type <> 'test'", "expected a string after '<', found '>'", 6],
  ["Type 'test'", "expected an operator (==, !=, <, <=, >, >=, =~ or !~) after Type, found '''", 5],
  ['Type', 'expected an operator (==, !=, <, <=, >, >=, =~ or !~) after Type, found the end of the matcher', 4],
  ["Fields[x][1] ~= 'a'", "expected an operator (==, !=, <, <=, >, >=, =~ or !~) after Fields[x][1], found '~'", 13],
  ["Type == 'a' & Type == 'b'", "'&' is not an operator: use '&&'", 12],
  ["Type == 'a' | Type == 'b'", "'|' is not an operator: use '||'", 12],
  ["Type == 'a' and Type == 'b'", "expected '&&', '||' or the end of the matcher, found 'and'", 12],
  ['TRUE FALSE', "expected '&&', '||' or the end of the matcher, found 'FALSE'", 5],
  // string tests on numeric headers and numbers on string headers
  ["Pid =~ '6'", 'Pid is numeric: string match not allowed', 4],
  ["Severity !~ '6'", 'Severity is numeric: string match not allowed', 9],
  ["Timestamp =~ '2015'", 'Timestamp is numeric: string match not allowed', 10],
  ["Pid == '6'", "Pid is numeric: expected a number after '=='", 7],
  ["Severity < '6'", "Severity is numeric: expected a number after '<'", 11],
  ['Type == 6', "Type is a string: expected a string after '=='", 8],
  ['Uuid == 6', "Uuid is a string: expected a string after '=='", 8],
  ['Type =~ 6', "expected a string after '=~'", 8],
  ['Fields[x] !~ 6', "expected a string after '!~'", 13],
  ['Type =~ NIL', "expected a string after '=~'", 8],
  ['Type == TRUE', "expected a string or NIL after '=='", 8],
  ['Severity == TRUE', "expected a number after '=='", 12],
  ['Type == test', "expected a string or NIL after '==', found 'test'", 8],
  ['Type < test', "expected a string after '<', found 'test'", 7],
  ['Fields[x] == nil', "expected a string, a number, TRUE, FALSE or NIL after '==', found 'nil'", 13],
  ['Fields[x] >= true', "expected a string or a number after '>=', found 'true'", 13],
  ['Timestamp > now', "expected a number or a quoted RFC 3339 time after '>', found 'now'", 12],
  ['Pid == ', "expected a number or NIL after '==', found the end of the matcher", 7],
  // NIL, TRUE, FALSE in the wrong places
  ['Type > NIL', "NIL can only be compared with '==' or '!='", 7],
  ['Pid <= NIL', "NIL can only be compared with '==' or '!='", 7],
  ['Fields[x] < NIL', "NIL can only be compared with '==' or '!='", 12],
  ['Fields[x] > TRUE', "TRUE can only be compared with '==' or '!='", 12],
  ['Fields[x] <= FALSE', "FALSE can only be compared with '==' or '!='", 13],
  ['Uuid == NIL', 'Uuid is always present: NIL not allowed', 8],
  ['Uuid != NIL', 'Uuid is always present: NIL not allowed', 8],
  ['Timestamp == NIL', 'Timestamp is always present: NIL not allowed', 13],
  ['Severity != NIL', 'Severity is always present (7 when not set): NIL not allowed', 12],
  // numbers
  ['Severity == 07', "malformed number '07'", 12],
  ['Severity == 1.', "malformed number '1.'", 12],
  ['Severity == .5', "expected a number after '==', found '.'", 12],
  ['Severity == 1e', "malformed number '1e'", 12],
  ['Severity == 1.5.5', "malformed number '1.5.5'", 12],
  ['Severity == --1', "malformed number '--1'", 12],
  ['Severity == 0x10', "malformed number '0x10'", 12],
  ['Severity == 7Type', "malformed number '7Type'", 12],
  ['Fields[x] == 1e+', "malformed number '1e+'", 13],
  // strings
  ["Type =~ 'test", "unclosed string: missing the closing '", 8],
  ['Type == "test', 'unclosed string: missing the closing "', 8],
  ["Type != 'test\"", "unclosed string: missing the closing '", 8],
  ["Type == 'it\\'", "unclosed string: missing the closing '", 8],
  [`Type == '${S255}5'`, 'string longer than 255 bytes (256)', 8],
  [`Type == '${'é'.repeat(128)}'`, 'string longer than 255 bytes (256)', 8],
  ["Type == 'a''b'", "unexpected ''' after the string", 11],
  ["Type == 'a'b", "unexpected 'b' after the string", 11],
  ["Type == 'a'%", "'%' (literal search) may only follow the pattern of =~ or !~", 11],
  // pattern modifiers
  [
    "Payload =~ 'foo'i",
    "unexpected 'i' after the pattern (a pattern takes no modifiers; only '%' right after it, for a literal search)",
    16,
  ],
  [
    "Payload =~ 'foo'%i",
    "unexpected 'i' after the pattern (a pattern takes no modifiers; only '%' right after it, for a literal search)",
    17,
  ],
  ["Payload =~ 'foo' %", "the literal-search '%' must follow the pattern's closing quote directly", 17],
  // malformed Lua patterns, positions in the expression
  ["Payload =~ '(unfinished'", '', -1], // heka dialect: '(' is a literal, so this is accepted (see below)
  ["Payload =~ 'a[bc'", "malformed pattern (missing ']')", 13],
  ["Payload =~ 'x%'", "malformed pattern (ends with '%')", 13],
  ["Payload =~ '%bx' && TRUE", "malformed pattern (missing arguments to '%b')", 12],
  ["Payload =~ '%f%a'", "missing '[' after '%f' in pattern", 12],
  ["Payload =~ '\\'[a'", "malformed pattern (missing ']')", 14], // escapes shift positions
  ["Fields[x] !~ 'é[a'", "malformed pattern (missing ']')", 15],
  // brackets and parentheses
  ["Type == 'x' && (Severity == 1", "unclosed '(': expected ')'", 15],
  ["((Type == 'x')", "unclosed '(': expected ')'", 0],
  ["(Type == 'x'))", "unexpected ')' without a matching '('", 13],
  ["Type == 'x')", "unexpected ')' without a matching '('", 11],
  ['()', "empty parentheses: expected a test after '('", 1],
  ["(Type == 'x' Severity == 1)", "expected '&&', '||' or ')', found 'Severity'", 13],
  ['Fields[x == 1', "unclosed '[': expected ']' after the field name", 6],
  ['Fields x == 1', "expected '[' right after 'Fields', as in Fields[name]", 6],
  ['Fields [x] == 1', "expected '[' right after 'Fields', as in Fields[name]", 6],
  ['Fields[] == 1', 'empty field name', 7],
  ['Fields[x] [0] == 1', "expected an operator (==, !=, <, <=, >, >=, =~ or !~) after Fields[x], found '['", 10],
  ['Fields[x][0', "unclosed '[': expected an index and ']'", 9],
  ['Fields[x][0 ] == 1', "expected ']' after the index, found ' '", 11],
  ['Fields[x][-1] == 1', "expected an index 0..255, found '-'", 10],
  ['Fields[x][00] == 1', "index '00' has a leading zero", 10],
  ['Fields[x][256] == 1', 'index 256 is out of range 0..255', 10],
  ['Fields[x][0][1000] == 1', 'index 1000 is out of range 0..255', 13],
  ['Fields[x][0][0][0] == 1', 'too many indexes: at most Fields[name][field index][array index]', 15],
  [`Fields[${'n'.repeat(256)}] == 1`, 'field name longer than 255 bytes', 7],
  // time literals
  ["Timestamp == '20150411T173026'", `"20150411T173026" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 13],
  ["Timestamp > '2015-04-11'", `"2015-04-11" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-04-11T17:30:26'", `"2015-04-11T17:30:26" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-04-11 17:30:26Z'", `"2015-04-11 17:30:26Z" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-02-30T00:00:00Z'", `"2015-02-30T00:00:00Z" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-04-11T24:00:00Z'", `"2015-04-11T24:00:00Z" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-04-11T17:30:26+1:00'", `"2015-04-11T17:30:26+1:00" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '2015-04-11T17:30:26.Z'", `"2015-04-11T17:30:26.Z" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  ["Timestamp > '1428773426'", `"1428773426" is not an RFC 3339 time such as '2015-04-11T17:30:26Z'`, 12],
  // too many tests
  [`${T128} && Type =~ '.'`, 'too many tests: a matcher holds at most 128', T128.length + 4],
  [`(${T128}) || TRUE`, 'too many tests: a matcher holds at most 128', T128.length + 6],
];

describe('rejected expressions', () => {
  it.each(REJECTED.filter(([, reason]) => reason !== '').map(([e, r, p]) => [e.length > 70 ? `${e.slice(0, 67)}...` : e, e, r, p]))(
    '%j',
    (_, expression, reason, position) => {
      const err = rejection(expression as string);
      expect(err.reason).toBe(reason);
      expect(err.position).toBe(position);
      expect(err.message).toBe(`${reason} at ${position}`);
      expect(err.name).toBe('MatcherError');
      expect(err).toBeInstanceOf(Error);
    },
  );

  it('refuses deep nesting and non-strings with a MatcherError, not a stack overflow', () => {
    const deep = '('.repeat(100_000) + 'TRUE' + ')'.repeat(100_000);
    expect(rejection(deep).message).toBe('parentheses nested deeper than 256 at 256');
    expect(compileMatcher('('.repeat(256) + 'TRUE' + ')'.repeat(256))(lsbMessage())).toBe(true);
    expect(rejection(undefined as unknown as string).message).toBe('a matcher expression must be a string at 0');
  });

  it('never throws anything but MatcherError on garbage', () => {
    const pieces = ['Type', 'Fields[', ']', '[', '0', '==', '=~', "'", '"', '%', '&&', '||', '(', ')', 'NIL', 'TRUE', ' ', '\\', '1e', '-', 'é'];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      let e = '';
      const n = (rand() * 10) | 0;
      for (let j = 0; j < n; j++) e += pieces[(rand() * pieces.length) | 0];
      try {
        compileMatcher(e)(lsbMessage());
      } catch (err) {
        expect(err, e).toBeInstanceOf(MatcherError);
        const pos = (err as MatcherError).position;
        expect(pos, e).toBeGreaterThanOrEqual(0);
        expect(pos, e).toBeLessThanOrEqual(e.length);
      }
    }
  });
});

describe('accepted syntax', () => {
  const m = lsbMessage();
  const holds = (e: string) => compileMatcher(e)(m);

  it('takes space, tab, CR and LF anywhere between tokens, or none', () => {
    expect(holds("Type=='TEST'&&Severity==6")).toBe(true);
    expect(holds("\t Type\t==\r\n'TEST'\n&&\n(\nSeverity\t<\t7\r\n)\n")).toBe(true);
    expect(holds("(Type=='x'||Type=='TEST')&&(Logger=~'^Go')")).toBe(true);
  });

  it('unescapes \\\', \\" and \\\\ and keeps other backslashes', () => {
    const q: typeof m = { ...m, type: `it's "quoted" \\ \\n` };
    const h = (e: string) => compileMatcher(e)(q);
    expect(h(`Type == 'it\\'s "quoted" \\\\ \\n'`)).toBe(true);
    expect(h(`Type == "it's \\"quoted\\" \\\\ \\n"`)).toBe(true);
    expect(h(`Type == 'it\\'s \\"quoted\\" \\\\ \\n'`)).toBe(true); // \" works inside '...' too
    expect(h(`Type =~ '\\\\ \\n$'`)).toBe(true);
    expect(h(`Type == 'a\\\\'`)).toBe(false); // a string may end with an escaped backslash
  });

  it('takes strings up to 255 bytes', () => {
    expect(() => compileMatcher(`Type == '${S255}'`)).not.toThrow();
    expect(() => compileMatcher(`Type == '${'é'.repeat(127)}a'`)).not.toThrow();
    expect(() => compileMatcher(`Type == '${"\\'".repeat(255)}'`)).not.toThrow(); // escapes count once
  });

  it('takes 128 tests, TRUE and FALSE included', () => {
    expect(compileMatcher(T128)(m)).toBe(true);
    expect(compileMatcher(Array.from({ length: 128 }, (_, i) => (i % 2 ? 'TRUE' : 'FALSE')).join(' || '))(m)).toBe(true);
  });

  it('takes every index 0..255', () => {
    for (let i = 0; i <= 255; i++) expect(() => compileMatcher(`Fields[x][${i}][${i}] == NIL`)).not.toThrow();
  });

  it('takes field names with any character but ]', () => {
    for (const name of ['a b', 'a.b', "it's", 'x[y', 'Type', 'é', '0', '==']) {
      expect(parseMatcher(`Fields[${name}] == 1`)).toMatchObject({ target: { kind: 'field', name } });
    }
  });

  it('reads number literals as the C grammar does', () => {
    for (const n of ['0', '-0', '+5', '12', '1.5', '-1.25e3', '1E-3', '1e+10', '0.000', '9007199254740993']) {
      expect(parseMatcher(`Severity == ${n}`), n).toMatchObject({ operand: { kind: 'number', text: n, value: Number(n) } });
    }
  });

  it('accepts patterns lua_sandbox accepts, parentheses being literal', () => {
    const p = { ...m, payload: 'call (unfinished' };
    expect(compileMatcher("Payload =~ '(unfinished'")(p)).toBe(true);
    expect(compileMatcher("Payload =~ 'll %(un'")(p)).toBe(true);
    expect(compileMatcher("Payload =~ 'a)'")(p)).toBe(false);
  });

  it('keeps the position of every test', () => {
    expect(parseMatcher("TRUE && (Type == 'x' || Fields[a] != NIL)")).toMatchObject({
      kind: 'and',
      left: { kind: 'constant', position: 0, value: true },
      right: {
        kind: 'or',
        left: { kind: 'test', position: 9, op: '==', target: { kind: 'header', name: 'Type' } },
        right: { kind: 'test', position: 24, op: '!=', target: { kind: 'field', name: 'a', fi: 0, ai: 0 }, operand: { kind: 'nil' } },
      },
    });
  });
});
