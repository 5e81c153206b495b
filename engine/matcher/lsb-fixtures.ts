/**
 * lua_sandbox's matcher test message and expressions
 * (src/util/test/test_heka_message_matcher.c), for the tests here: the
 * protobuf fixture decoded by hand into a Message, and the lists of matchers
 * it expects to hold, not hold, or be rejected.
 */
import type { Field, FieldValue, Message } from '../message/message';
import { ValueType } from '../message/message';

export function field(name: string, valueType: ValueType, value: FieldValue[], representation = ''): Field {
  return { name, valueType, representation, value };
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The `pb` fixture. */
export function lsbMessage(): Message {
  return {
    uuid: hexBytes('230081dc326f4e3f9a5a9386a37e246f'),
    timestamp: 1428773426113040228n,
    type: 'TEST',
    logger: 'GoSpec',
    severity: 6,
    payload:
      'Test Payload with a longer string to attempt to create a difference in pattern match time versus the string literal match time for a unique-item',
    envVersion: '0.8',
    pid: 32157,
    hostname: 'trink-x230',
    fields: [
      field('foo', ValueType.STRING, ['bar']),
      field('number', ValueType.INTEGER, [64]),
      field('bytes', ValueType.BYTES, [new TextEncoder().encode('data')]),
      field('int', ValueType.INTEGER, [999, 1024]),
      field('double', ValueType.DOUBLE, [99.9]),
      field('bool', ValueType.BOOL, [true]),
      field('foo', ValueType.STRING, ['alternate']),
      field('Payload', ValueType.STRING, ['name=test;type=web;']),
      field('Timestamp', ValueType.STRING, ['Mon Jan 02 15:04:05 -0700 2006'], 'date-time'),
      field('zero', ValueType.INTEGER, [0]),
      field('string', ValueType.STRING, ['43']),
    ],
  };
}

/** The `pbmin` fixture: only Uuid and a zero Timestamp. */
export function lsbMinimalMessage(): Message {
  return { uuid: hexBytes('230081dc326f4e3f9a5a9386a37e246f'), timestamp: 0n, fields: [] };
}

const TYPE_ANY = "Type =~ '.'";
/** 128 tests, the most a matcher may hold. */
export const T128 = Array.from({ length: 128 }, () => TYPE_ANY).join(' && ');
/** A 255-byte string, the longest literal. */
export const S255 = '0123456789'.repeat(25) + '01234';

export const LSB_TRUE = [
  'TRUE',
  'Timestamp > 1.428773420000e+18',
  'Timestamp < 1.428773426999e18',
  'Timestamp == 1428773426113040228',
  "Timestamp > '2015-04-11T17:30:26Z'",
  "Timestamp > '2015-04-11T17:30:26.112Z'",
  "Timestamp < '2015-04-11T17:30:26.114Z'",
  "(Severity == 7 || Logger == 'GoSpec') && Type == 'TEST'",
  'EnvVersion == "0.8"',
  "EnvVersion == '0.8'",
  "EnvVersion != '0.9'",
  "EnvVersion > '0.7'",
  "EnvVersion >= '0.8'",
  "EnvVersion < '0.9'",
  "EnvVersion <= '0.8'",
  "Hostname != ''",
  "Logger == 'GoSpec'",
  'Pid != 0',
  'Pid != NIL',
  'Severity != 5',
  'Severity < 7',
  'Severity <= 7',
  'Severity <= 6',
  'Severity == 6',
  'Severity > 5',
  'Severity >= 5',
  'Severity >= 6',
  'Timestamp > 0',
  "Type != 'test'",
  "Type == 'TEST' && Severity == 6",
  "Type == 'test' && Severity == 7 || Logger == 'GoSpec'",
  "Type == 'TEST'",
  "Type == 'foo' || Type == 'bar' || Type == 'TEST'",
  "Fields[foo] == 'bar'",
  "Fields[foo][0] == 'bar'",
  "Fields[foo][0][0] == 'bar'",
  "Fields[foo][1] == 'alternate'",
  "Fields[foo][1][0] == 'alternate'",
  "Fields[foo] <= 'barx'",
  "Fields[foo] < 'barx'",
  "Fields[foo] >= 'bar'",
  "Uuid > '#'",
  "Uuid >= '#'",
  "Fields[foo] > 'baq'",
  "Fields[foo] != 'bara'",
  "Fields[bytes] == 'data'",
  'Fields[int] == 999',
  'Fields[int][0][1] == 1024',
  'Fields[double] == 99.9',
  'Fields[bool] == TRUE',
  'Fields[bool] != FALSE',
  'Fields[int] != NIL',
  'Fields[int][0][1] != NIL',
  'Fields[int][0][2] == NIL',
  'Fields[missing] == NIL',
  "Type =~ 'TEST'",
  "Type !~ 'bogus'",
  "Type =~ 'TEST' && Payload =~ 'Payload'",
  "Fields[foo][1] =~ 'alt'",
  "Fields[Payload] =~ 'name=%w+'",
  "Type =~ 'ST'",
  "Type =~ '^TE'",
  "Type =~ 'ST$'",
  "Type !~ '^te'",
  "Type !~ 'st$'",
  'Fields[foo][255] == NIL',
  'Fields[foo][0][255] == NIL',
  T128,
  "Payload =~ 'unique-item'%",
  "Fields[Timestamp] =~ ' -0700'%",
  'Type != NIL',
  'Hostname != NIL',
  'EnvVersion != NIL',
  'Pid != NIL',
  'Logger != NIL',
  'Payload != NIL',
  'Pid == 32157',
];

export const LSB_FALSE = [
  'FALSE',
  'Timestamp == 1e9',
  "Timestamp > '2015-04-11T17:30:27Z'",
  "Type == 'test'&&(Severity==7||Payload=='Test Payload')",
  "EnvVersion == '0.9'",
  "EnvVersion != '0.8'",
  "EnvVersion > '0.9'",
  "EnvVersion >= '0.9'",
  "EnvVersion < '0.8'",
  "EnvVersion <= '0.7'",
  'Severity == 5',
  'Severity != 6',
  'Severity < 6',
  'Severity <= 5',
  'Severity > 6',
  'Severity >= 7',
  "Fields[foo] == 'ba'",
  "Fields[foo][1] == 'bar'",
  "Fields[foo][0][1] == 'bar'",
  'Fields[bool] == FALSE',
  'Fields[bool] != TRUE',
  "Fields[foo] > 'bara'",
  "Fields[foo] >= 'bara'",
  "Fields[foo] == 'bara'",
  "Type =~ 'Test'",
  "Type !~ 'TEST'",
  "Payload =~ '^Payload'",
  'Type == "te\'st"',
  "Type == 'te\"st'",
  "Fields[int] =~ '999'",
  'Fields[zero] == "0"',
  'Fields[string] == 43',
  'Fields[int] == NIL',
  'Fields[int][0][1] == NIL',
  'Fields[missing] != NIL',
  "Type =~ '^te'",
  "Type =~ 'st$'",
  "Type !~ '^TE'",
  "Type !~ 'ST$'",
  "Logger =~ '.' && Type =~ '^anything'",
  `Type == '${S255}'`,
  "Payload =~ 'not.found'%",
  "Fields[foo][1] =~ 'not.found'%",
  'Type == NIL',
  'Hostname == NIL',
  'EnvVersion == NIL',
  'Pid == NIL',
  'Logger == NIL',
  'Payload == NIL',
];

/** Hold on the minimal message (absent headers). */
export const LSB_NIL_HEADER_TRUE = [
  'Type == NIL',
  "Type != ''",
  "Type < ''",
  "Type <= ''",
  "Type !~ '.'",
  "Type !~ 'foo'",
  'Hostname == NIL',
  'EnvVersion == NIL',
  'Pid == NIL',
  'Logger == NIL',
  'Payload == NIL',
];

export const LSB_NIL_HEADER_FALSE = [
  'Type != NIL',
  "Type == '%b()'",
  "Type == ''",
  "Type > ''",
  "Type >= ''",
  "Type =~ '.'",
  "Type =~ 'foo'",
  'Hostname != NIL',
  "Hostname == ''",
  'EnvVersion != NIL',
  "EnvVersion == ''",
  'Pid != NIL',
  'Logger != NIL',
  "Logger == ''",
  'Payload != NIL',
  "Payload == ''",
];

/** lua_sandbox's malformed matchers, with Foresight's message for each. */
export const LSB_MALFORMED: [expression: string, message: string][] = [
  ['', 'empty matcher expression at 0'],
  ['bogus', "unknown header 'bogus' at 0"],
  ["Type = 'test'", "'=' is not an operator: use '==' to compare at 5"],
  ["Pid == 'test='", "Pid is numeric: expected a number after '==' at 7"],
  ["Type == 'test' && (Severity==7 || Payload == 'Test Payload'", "unclosed '(': expected ')' at 18"],
  ["Invalid == 'bogus'", "unknown header 'Invalid' at 0"],
  ['Fields[]', 'empty field name at 7'],
  ['Fields[test][]', "expected an index 0..255, found ']' at 13"],
  ['Fields[test][a]', "expected an index 0..255, found 'a' at 13"],
  ['Fields[test][0][]', "expected an index 0..255, found ']' at 16"],
  ['Fields[test][0][a]', "expected an index 0..255, found 'a' at 16"],
  ['Fields[test][0][0][]', 'too many indexes: at most Fields[name][field index][array index] at 18'],
  ['Fields[test][xxxx', "expected an index 0..255, found 'xxxx' at 13"],
  ["Pid =~ '6'", 'Pid is numeric: string match not allowed at 4'],
  ["Pid !~ '6'", 'Pid is numeric: string match not allowed at 4'],
  ["Type =~ 'test", "unclosed string: missing the closing ' at 8"],
  ["Type != 'test\"", "unclosed string: missing the closing ' at 8"],
  ['Pid =~ 6', 'Pid is numeric: string match not allowed at 4'],
  ['NIL', 'NIL is not a test: write Fields[name] == NIL (or a header) to test for absence at 0'],
  ['Type         > NIL', "NIL can only be compared with '==' or '!=' at 15"],
  ['Pid > NIL', "NIL can only be compared with '==' or '!=' at 6"],
  ['Fields[test] > NIL', "NIL can only be compared with '==' or '!=' at 15"],
  ['Uuid == NIL', 'Uuid is always present: NIL not allowed at 8'],
  ['Severity == NIL', 'Severity is always present (7 when not set): NIL not allowed at 12'],
  ['TRUE FALSE', "expected '&&', '||' or the end of the matcher, found 'FALSE' at 5"],
  [
    "Timestamp == '20150411T173026'",
    `"20150411T173026" is not an RFC 3339 time such as '2015-04-11T17:30:26Z' at 13`,
  ],
  [`${T128} && Type =~ '.'`, `too many tests: a matcher holds at most 128 at ${T128.length + 4}`],
  [`Type == '${S255}5'`, 'string longer than 255 bytes (256) at 8'],
  ['Fields[test][256] == 1', 'index 256 is out of range 0..255 at 13'],
  ['Fields[test][0][256] == 1', 'index 256 is out of range 0..255 at 16'],
  [
    "Payload =~ 'foo'i",
    "unexpected 'i' after the pattern (a pattern takes no modifiers; only '%' right after it, for a literal search) at 16",
  ],
];
