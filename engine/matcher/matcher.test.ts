import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { readField, uuidToHex } from '../message/fields';
import type { Message } from '../message/message';
import { ValueType } from '../message/message';
import { parseRfc3339 } from '../message/time';
import { type LazyMessage, readMessageLazily } from '../message/lazy-message';
import { encodeMessage } from '../message/protobuf';
import { compileNodeInPlace } from './compile';
import { compileMatcher, MatcherError, matcherFieldNames } from './index';
import { parseMatcher } from './parse';
import {
  field,
  LSB_FALSE,
  LSB_MALFORMED,
  LSB_NIL_HEADER_FALSE,
  LSB_NIL_HEADER_TRUE,
  LSB_TRUE,
  lsbMessage,
  lsbMinimalMessage,
} from './lsb-fixtures';

function holds(expression: string, message: Message): boolean {
  return compileMatcher(expression)(message);
}

function expectHolds(message: Message, expressions: string[], expected: boolean): void {
  for (const e of expressions) expect(holds(e, message), e).toBe(expected);
}

describe("lua_sandbox's matcher tests", () => {
  it.each(LSB_TRUE.map((e) => [e.length > 80 ? `${e.slice(0, 77)}...` : e, e]))('%s holds', (_, e) => {
    expect(holds(e, lsbMessage())).toBe(true);
  });

  it.each(LSB_FALSE.map((e) => [e.length > 80 ? `${e.slice(0, 77)}...` : e, e]))('%s does not hold', (_, e) => {
    expect(holds(e, lsbMessage())).toBe(false);
  });

  it.each(LSB_NIL_HEADER_TRUE)('%s holds on a message with no optional headers', (e) => {
    expect(holds(e, lsbMinimalMessage())).toBe(true);
  });

  it.each(LSB_NIL_HEADER_FALSE)('%s does not hold on a message with no optional headers', (e) => {
    expect(holds(e, lsbMinimalMessage())).toBe(false);
  });

  it.each(LSB_MALFORMED.map(([e, m]) => [e.length > 60 ? `${e.slice(0, 57)}...` : e, e, m]))(
    '%j is rejected',
    (_, expression, message) => {
      let error: unknown;
      try {
        compileMatcher(expression);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(MatcherError);
      expect((error as MatcherError).message).toBe(message);
      expect((error as MatcherError).position).toBe(Number(/at (\d+)$/.exec(message)![1]));
    },
  );
});

describe('string headers', () => {
  const HEADERS = [
    ['Type', 'type'],
    ['Logger', 'logger'],
    ['Hostname', 'hostname'],
    ['EnvVersion', 'envVersion'],
    ['Payload', 'payload'],
  ] as const;

  it.each(HEADERS)('%s compares its value with every operator', (h, prop) => {
    const m: Message = { ...lsbMinimalMessage(), [prop]: 'b' };
    expectHolds(
      m,
      [`${h} == 'b'`, `${h} != 'a'`, `${h} < 'c'`, `${h} < 'ba'`, `${h} <= 'b'`, `${h} > 'a'`, `${h} >= 'b'`],
      true,
    );
    expectHolds(m, [`${h} =~ '^b$'`, `${h} !~ 'a'`, `${h} != NIL`, `${h} =~ 'b'%`, `${h} !~ '.'%`, `${h} =~ ''`], true);
    expectHolds(
      m,
      [`${h} == 'a'`, `${h} != 'b'`, `${h} < 'b'`, `${h} <= 'a'`, `${h} > 'b'`, `${h} >= 'c'`, `${h} == NIL`],
      false,
    );
    expectHolds(m, [`${h} =~ 'a'`, `${h} !~ 'b'`, `${h} =~ 'B'`, `${h} == "B"`], false);
  });

  it.each(HEADERS)('%s, when absent, is below every string and matches no pattern', (h) => {
    const m = lsbMinimalMessage();
    expectHolds(m, [`${h} == NIL`, `${h} != 'b'`, `${h} != ''`, `${h} < ''`, `${h} <= ''`, `${h} !~ ''`], true);
    expectHolds(m, [`${h} != NIL`, `${h} == ''`, `${h} > ''`, `${h} >= ''`, `${h} =~ ''`, `${h} =~ ''%`], false);
  });

  it.each(HEADERS)('%s, when empty, is present', (h, prop) => {
    const m: Message = { ...lsbMinimalMessage(), [prop]: '' };
    expectHolds(m, [`${h} == ''`, `${h} != NIL`, `${h} <= ''`, `${h} >= ''`, `${h} =~ ''`, `${h} =~ '^$'`], true);
    expectHolds(m, [`${h} == NIL`, `${h} != ''`, `${h} < ''`, `${h} > ''`, `${h} =~ '.'`], false);
  });

  it('orders strings by UTF-8 bytes, as memcmp does', () => {
    const emoji: Message = { ...lsbMinimalMessage(), type: '😀' }; // F0 9F 98 80
    // U+FFFD is EF BF BD: below the emoji in bytes, above it in UTF-16 code units
    expectHolds(emoji, ["Type > '\uFFFD'", "Type >= '\uFFFD'", "Type != '\uFFFD'"], true);
    expectHolds(emoji, ["Type < '\uFFFD'", "Type <= '\uFFFD'"], false);
    const accented: Message = { ...lsbMinimalMessage(), type: 'é' };
    expectHolds(accented, ["Type > 'z'", "Type < 'ê'", "Type =~ '^..$'", "Type !~ '^.$'"], true);
  });
});

describe('Uuid', () => {
  const m = lsbMessage(); // 230081dc-326f-4e3f-9a5a-9386a37e246f

  it('equals its textual forms: 32 hex digits or 8-4-4-4-12, either case', () => {
    expectHolds(
      m,
      [
        "Uuid == '230081dc326f4e3f9a5a9386a37e246f'",
        "Uuid == '230081DC326F4E3F9A5A9386A37E246F'",
        "Uuid == '230081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid == \"230081DC-326F-4E3F-9A5A-9386A37E246F\"",
        "Uuid != '330081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid < '330081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid <= '230081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid >= '230081dc326f4e3f9a5a9386a37e246f'",
        "Uuid > '230081dc326f4e3f9a5a9386a37e2400'",
      ],
      true,
    );
    expectHolds(
      m,
      [
        "Uuid != '230081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid == '330081dc-326f-4e3f-9a5a-9386a37e246f'",
        "Uuid == '230081dc326f4e3f9a5a9386a37e246'", // 31 digits: not a UUID, compared as raw bytes
        "Uuid > '230081dc-326f-4e3f-9a5a-9386a37e246f'",
      ],
      false,
    );
  });

  it('compares other literals with the raw 16 bytes, as lua_sandbox does', () => {
    expectHolds(m, ["Uuid > '#'", "Uuid >= '#'", "Uuid < '$'", "Uuid != '#'"], true);
    expectHolds(m, ["Uuid == '#'", "Uuid < '#'"], false);
    const ascii: Message = { ...m, uuid: new TextEncoder().encode('0123456789abcdef') };
    expectHolds(ascii, ["Uuid == '0123456789abcdef'", "Uuid < '0123456789abcdeg'"], true);
  });

  it('matches patterns against the 32 lower-case hex digits', () => {
    expectHolds(m, ["Uuid =~ '^230081dc'", "Uuid =~ '^%x+$'", "Uuid =~ '246f$'", "Uuid !~ '%-'", "Uuid =~ '326f'%"], true);
    expectHolds(m, ["Uuid =~ '^230081dc%-'", "Uuid =~ 'DC'", "Uuid !~ '^2'"], false);
  });
});

describe('Timestamp', () => {
  const m = lsbMessage(); // 1428773426113040228 ns, 2015-04-11T17:30:26.113040228Z

  it('compares exactly with integers, decimals and exponents', () => {
    expectHolds(
      m,
      [
        'Timestamp == 1428773426113040228',
        'Timestamp != 1428773426113040229', // the same double: lua_sandbox would call them equal
        'Timestamp < 1428773426113040229',
        'Timestamp <= 1428773426113040228.0',
        'Timestamp > 1428773426113040227.5',
        'Timestamp < 1428773426113040228.5',
        'Timestamp >= 1.428773426113040228e18',
        'Timestamp > 1.428773426113040227e+18',
        'Timestamp < 1e300',
        'Timestamp > -1e300',
        'Timestamp > 1e-300',
        'Timestamp > -0',
      ],
      true,
    );
    expectHolds(
      m,
      [
        'Timestamp == 1428773426113040229',
        'Timestamp == 1428773426113040228.5',
        'Timestamp >= 1428773426113040228.5',
        'Timestamp <= 1428773426113040227.9',
        'Timestamp > 1e300',
      ],
      false,
    );
  });

  it('compares with RFC 3339 times to the nanosecond, honouring offsets', () => {
    expectHolds(
      m,
      [
        "Timestamp == '2015-04-11T17:30:26.113040228Z'",
        "Timestamp == '2015-04-11t17:30:26.113040228z'",
        "Timestamp == '2015-04-11T19:30:26.113040228+02:00'",
        "Timestamp == '2015-04-11T19:30:26.113040228+0200'", // lua_sandbox's offset spelling
        "Timestamp == '2015-04-11T10:30:26.113040228-0700'",
        'Timestamp == "2015-04-11T12:00:26.113040228-05:30"',
        "Timestamp > '2015-04-11T17:30:26.113040227Z'",
        "Timestamp == '2015-04-11T17:30:26.1130402289Z'", // digits past nanoseconds are cut
        "Timestamp >= '2015-04-11T17:30:26Z' && Timestamp < '2015-04-11T17:30:27Z'",
      ],
      true,
    );
    expectHolds(m, ["Timestamp < '2015-04-11T17:30:26.113040228Z'", "Timestamp < '2015-04-11T17:30:26+0000'"], false);
  });

  it('works before the epoch', () => {
    const early: Message = { ...lsbMinimalMessage(), timestamp: -1_500_000_000n };
    expectHolds(early, ["Timestamp == '1969-12-31T23:59:58.5Z'", 'Timestamp < 0', 'Timestamp == -1.5e9'], true);
  });
});

describe('Severity and Pid', () => {
  it('Severity is 7 when not set', () => {
    expectHolds(lsbMinimalMessage(), ['Severity == 7', 'Severity >= 7', 'Severity < 7.5', 'Severity != 6'], true);
    expectHolds(lsbMinimalMessage(), ['Severity < 7', 'Severity == 0'], false);
  });

  it('compares numbers in any spelling', () => {
    const m = lsbMessage(); // Severity 6, Pid 32157
    expectHolds(
      m,
      ['Severity == 6.0', 'Severity == 6e0', 'Severity == 0.6E1', 'Severity == +6', 'Severity > -1', 'Pid == 3.2157e4'],
      true,
    );
    expectHolds(m, ['Severity == 6.5', 'Pid < 32157', 'Pid > 32157', 'Pid == NIL'], false);
  });

  it("an absent Pid is NIL and compares as lua_sandbox's INT_MIN", () => {
    const m = lsbMinimalMessage();
    expectHolds(m, ['Pid == NIL', 'Pid != 0', 'Pid < 0', 'Pid == -2147483648', 'Pid <= -2147483648'], true);
    expectHolds(m, ['Pid != NIL', 'Pid == 0', 'Pid > 0', 'Pid >= 0'], false);
  });
});

describe('Fields', () => {
  const m: Message = {
    ...lsbMessage(),
    fields: [
      ...lsbMessage().fields,
      field('one', ValueType.INTEGER, [1]),
      field('oneDouble', ValueType.DOUBLE, [1]),
      field('zeroDouble', ValueType.DOUBLE, [0]),
      field('big', ValueType.INTEGER, [9223372036854775807n, -9223372036854775808n, 1n, 0n]),
      field('falsy', ValueType.BOOL, [false]),
      field('binary', ValueType.BYTES, [new Uint8Array([0xff, 0x00, 0x61])]),
      field('utf8', ValueType.STRING, ['héllo']),
      field('empty', ValueType.STRING, []),
      field('my field', ValueType.STRING, ['spaced']),
      field('a.b-c/d', ValueType.INTEGER, [5]),
      field('fr', ValueType.STRING, ['0'], 'count'),
    ],
  };

  it('compares strings and BYTES with string literals', () => {
    expectHolds(
      m,
      [
        "Fields[foo] == 'bar'",
        "Fields[foo] != 'baz'",
        "Fields[foo] < 'bas'",
        "Fields[foo] >= 'bar'",
        "Fields[bytes] == 'data'",
        "Fields[bytes] != 'date'",
        "Fields[bytes] < 'date'",
        "Fields[bytes] >= 'data'",
        "Fields[bytes] =~ '^d%a+$'",
        "Fields[bytes] =~ 'at'%",
        "Fields[bytes] !~ 'x'",
        "Fields[binary] > '\u00ff'", // FF 00 61 against C3 BF
        "Fields[binary] =~ '^.%za$'",
        "Fields[binary] !~ '^%a'",
        "Fields[utf8] =~ '^h..llo$'",
        "Fields[utf8] =~ 'é'%",
        "Fields[my field] == 'spaced'",
        "Fields[fr] == '0'",
      ],
      true,
    );
    expectHolds(m, ["Fields[bytes] == 'dat'", "Fields[binary] == '\u00ff'", "Fields[utf8] =~ '^h.llo$'"], false);
  });

  it('compares INTEGER and DOUBLE values with numbers, bigints exactly', () => {
    expectHolds(
      m,
      [
        'Fields[number] == 64',
        'Fields[number] == 6.4e1',
        'Fields[number] != 65',
        'Fields[int] < 1000',
        'Fields[int][0][1] > 1000',
        'Fields[double] == 99.9',
        'Fields[double] > 99',
        'Fields[double] <= 100',
        'Fields[big] == 9223372036854775807',
        'Fields[big] != 9223372036854775806', // a double could not tell these apart
        'Fields[big] > 9223372036854775806',
        'Fields[big] > 9.2e18',
        'Fields[big][0][1] == -9223372036854775808',
        'Fields[big][0][1] < -9223372036854775807.5',
        'Fields[big][0][2] == 1',
        'Fields[a.b-c/d] == 5',
      ],
      true,
    );
    expectHolds(m, ['Fields[big] == 9223372036854775806', 'Fields[number] > 64', 'Fields[double] == 99.8'], false);
  });

  it('matches TRUE and FALSE against BOOL values and numbers 1 and 0', () => {
    expectHolds(
      m,
      [
        'Fields[bool] == TRUE',
        'Fields[bool] != FALSE',
        'Fields[falsy] == FALSE',
        'Fields[falsy] != TRUE',
        'Fields[one] == TRUE',
        'Fields[oneDouble] == TRUE',
        'Fields[zero] == FALSE',
        'Fields[zeroDouble] == FALSE',
        'Fields[big][0][2] == TRUE',
        'Fields[big][0][3] == FALSE',
        'Fields[number] != TRUE', // 64 is neither 1 nor 0
        'Fields[number] != FALSE',
      ],
      true,
    );
    expectHolds(m, ['Fields[number] == TRUE', 'Fields[number] == FALSE', 'Fields[one] == FALSE', 'Fields[bool] == FALSE'], false);
  });

  it('a comparison across types is false whatever the operator', () => {
    expectHolds(
      m,
      [
        'Fields[string] == 43',
        'Fields[string] != 43',
        'Fields[string] < 44',
        "Fields[zero] == '0'",
        "Fields[zero] != '0'",
        "Fields[int] =~ '999'",
        "Fields[int] !~ 'x'",
        "Fields[int] > ''",
        'Fields[bool] == 1',
        'Fields[bool] != 1',
        "Fields[bool] =~ 'true'",
        "Fields[bool] != 'true'",
        'Fields[foo] == TRUE',
        'Fields[foo] != TRUE',
        'Fields[bytes] == 0',
        'Fields[bytes] != FALSE',
      ],
      false,
    );
  });

  it('a missing value fails every test but == NIL, != and !~ included', () => {
    expectHolds(m, ['Fields[missing] == NIL', 'Fields[foo][2] == NIL', 'Fields[int][0][2] == NIL', 'Fields[empty] == NIL'], true);
    expectHolds(
      m,
      [
        'Fields[missing] != NIL',
        "Fields[missing] != 'x'",
        "Fields[missing] !~ 'x'",
        "Fields[missing] < 'x'",
        "Fields[missing] <= ''",
        'Fields[missing] != 0',
        'Fields[missing] != TRUE',
        'Fields[missing] != FALSE',
        "Fields[empty] != 'x'",
        "Fields[foo][2] != 'x'",
      ],
      false,
    );
  });

  it('picks the fi-th field of a name and its ai-th value', () => {
    expectHolds(
      m,
      [
        "Fields[foo][0] == 'bar'",
        "Fields[foo][1] == 'alternate'",
        "Fields[foo][1][0] =~ '^alt'",
        'Fields[int][0][1] == 1024',
        'Fields[foo][1][1] == NIL',
        'Fields[foo][255] == NIL',
        'Fields[foo][0][255] == NIL',
      ],
      true,
    );
    const many: Message = {
      ...lsbMinimalMessage(),
      fields: Array.from({ length: 256 }, (_, i) => field('n', ValueType.INTEGER, Array.from({ length: 256 }, (_, j) => i * 1000 + j))),
    };
    expectHolds(many, ['Fields[n][255][255] == 255255', 'Fields[n][206][249] == 206249', 'Fields[n][0][0] == 0'], true);
  });
});

describe('logic', () => {
  it('TRUE and FALSE are tests', () => {
    const m = lsbMinimalMessage();
    expectHolds(m, ['TRUE', 'TRUE && TRUE', 'FALSE || TRUE', '(TRUE)', '((FALSE)) || (TRUE)'], true);
    expectHolds(m, ['FALSE', 'TRUE && FALSE', 'FALSE || FALSE', '(FALSE)'], false);
  });

  it('&& binds tighter than ||', () => {
    const m = lsbMinimalMessage();
    expect(holds('TRUE || FALSE && FALSE', m)).toBe(true); // would be false if || bound tighter
    expect(holds('(TRUE || FALSE) && FALSE', m)).toBe(false);
    expect(holds('FALSE && FALSE || TRUE', m)).toBe(true);
    expect(holds('FALSE && (FALSE || TRUE)', m)).toBe(false);
    expect(holds('FALSE || TRUE && TRUE || FALSE', m)).toBe(true);
    expect(holds('FALSE || TRUE && FALSE || FALSE', m)).toBe(false);
  });

  describe('short-circuit evaluation', () => {
    let reads = 0;
    /** A message whose Payload throws when read: any evaluation of a Payload test is observable. */
    function trapped(): Message {
      reads = 0;
      const m = lsbMessage();
      Object.defineProperty(m, 'payload', {
        get() {
          reads++;
          throw new Error('Payload was read');
        },
      });
      return m;
    }

    it('never evaluates the right side when the left decides', () => {
      for (const [e, expected] of [
        ["TRUE || Payload == 'x'", true],
        ["FALSE && Payload == 'x'", false],
        ["Type == 'TEST' || Payload == 'x'", true],
        ["Type == 'nope' && (Payload == 'x' || Payload =~ 'y')", false],
        ["Type == 'TEST' || Payload == 'x' && Payload == 'y'", true],
        ["(Severity == 6 || Payload == 'x') && (Logger == 'GoSpec' || Payload =~ 'z')", true],
        ["Fields[missing] != NIL && Payload =~ 'x'%", false],
      ] as const) {
        expect(holds(e, trapped()), e).toBe(expected);
        expect(reads, e).toBe(0);
      }
    });

    it('evaluates left to right and does reach the right side when needed (the trap works)', () => {
      for (const e of ["Payload == 'x' || TRUE", "TRUE && Payload == 'x'", "FALSE || Payload =~ 'x'", "Type == 'TEST' && Payload != NIL"]) {
        const m = trapped();
        expect(() => holds(e, m), e).toThrow('Payload was read');
        expect(reads, e).toBe(1);
      }
    });
  });
});

describe('a corpus of real Hindsight matchers agrees with hand-written JS', () => {
  const messages = sampleMessages(6000, 42);
  const str = (m: Message, name: string, fi = 0, ai = 0): string | undefined => {
    const v = readField(m, name, fi, ai);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (m: Message, name: string): number | undefined => {
    const v = readField(m, name);
    return typeof v === 'number' ? v : undefined;
  };
  const t0 = messages[1000].timestamp;
  const t1 = messages[2000].timestamp;
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
  const CORPUS: [expression: string, reference: (m: Message) => boolean, mayBeEmpty?: boolean][] = [
    [
      "Type == 'telemetry' && Fields[docType] == 'main' && Fields[appName] == 'Firefox'",
      (m) => m.type === 'telemetry' && str(m, 'docType') === 'main' && str(m, 'appName') === 'Firefox',
    ],
    ["Logger =~ '^input%.' && Severity < 4", (m) => !!m.logger?.startsWith('input.') && (m.severity ?? 7) < 4, true],
    ["Logger =~ '^decoder%.' && Severity < 4", (m) => !!m.logger?.startsWith('decoder.') && (m.severity ?? 7) < 4],
    ["Fields[uri] =~ '/submit/%w+/'", (m) => /\/submit\/[A-Za-z0-9]+\//.test(str(m, 'uri') ?? '\n')],
    ["Hostname =~ 'foo.bar.com'%", (m) => !!m.hostname?.includes('foo.bar.com'), true],
    ["Hostname =~ '10-0-3'%", (m) => !!m.hostname?.includes('10-0-3')],
    ["Fields[normalizedChannel] != 'release'", (m) => str(m, 'normalizedChannel') !== undefined && str(m, 'normalizedChannel') !== 'release'],
    [
      "Type == 'telemetry' && (Fields[docType] == 'crash' || Fields[docType] == 'event')",
      (m) => m.type === 'telemetry' && ['crash', 'event'].includes(str(m, 'docType') ?? ''),
    ],
    ["Type == 'nginx.access' && Fields[status] >= 500", (m) => m.type === 'nginx.access' && (num(m, 'status') ?? 0) >= 500],
    ['Fields[hasCrashEnvironment] == TRUE', (m) => readField(m, 'hasCrashEnvironment') === true],
    ['Fields[hasCrashEnvironment] == FALSE', (m) => readField(m, 'hasCrashEnvironment') === false],
    ["Fields[sessionLength] > 3600 && Fields[reason] == 'daily'", (m) => (num(m, 'sessionLength') ?? 0) > 3600 && str(m, 'reason') === 'daily'],
    ["Fields[eventCategories][0][1] == 'search'", (m) => str(m, 'eventCategories', 0, 1) === 'search'],
    ["Type =~ '^telemetry$' && Fields[geoCountry] != '??'", (m) => m.type === 'telemetry' && str(m, 'geoCountry') !== '??'],
    ["Fields[appVersion] =~ '^1[12]%d%.'", (m) => /^1[12][0-9]\./.test(str(m, 'appVersion') ?? '')],
    ['Fields[pingDiscardRate] > 0.05', (m) => (num(m, 'pingDiscardRate') ?? 0) > 0.05],
    ["Uuid =~ '^0'", (m) => uuidToHex(m.uuid).startsWith('0')],
    [`Timestamp >= '${iso(t0)}' && Timestamp < '${iso(t1)}'`, (m) => m.timestamp >= parseRfc3339(iso(t0))! && m.timestamp < parseRfc3339(iso(t1))!],
    ["Fields[clientId] =~ '^%x+%-%x+%-4%x+%-a%x+%-%x+$'", (m) => /^[0-9a-f]+-[0-9a-f]+-4[0-9a-f]+-a[0-9a-f]+-[0-9a-f]+$/.test(str(m, 'clientId') ?? '')],
    [`Payload =~ '"type":"main"'%`, (m) => !!m.payload?.includes('"type":"main"')],
    ["Type != 'telemetry' && Pid == NIL", (m) => m.type !== 'telemetry' && m.pid === undefined],
    ['Fields[size] > 10000 && Fields[size] <= 20000', (m) => (num(m, 'size') ?? 0) > 10000 && (num(m, 'size') ?? 0) <= 20000],
    ["Fields[os] =~ '^Win' || Fields[os] == 'Darwin'", (m) => (str(m, 'os') ?? '').startsWith('Win') || str(m, 'os') === 'Darwin'],
    ["Payload =~ '^POST /submit/telemetry/%x+/main/' && Fields[request_time] < 1.5", (m) => /^POST \/submit\/telemetry\/[0-9a-f]+\/main\//.test(m.payload ?? '') && (num(m, 'request_time') ?? 2) < 1.5],
    ["Type == 'metric' && Fields[name] =~ '^cpu%.'", (m) => m.type === 'metric' && (str(m, 'name') ?? '').startsWith('cpu.')],
  ];

  it.each(CORPUS)('%s', (expression, reference, mayBeEmpty) => {
    const matcher = compileMatcher(expression);
    let count = 0;
    for (const m of messages) {
      const expected = reference(m);
      if (matcher(m) !== expected) throw new Error(`${expression}: disagrees on ${JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      if (expected) count++;
    }
    if (!mayBeEmpty) {
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(messages.length);
    }
  });
});

describe('matcherFieldNames', () => {
  it('lists headers and field names once, in order', () => {
    expect(
      matcherFieldNames("Type == 'telemetry' && (Fields[docType] == 'main' || Fields[docType][1] == 'x') && Severity < 4 && Fields[my field] != NIL || TRUE"),
    ).toEqual({ headers: ['Type', 'Severity'], fields: ['docType', 'my field'] });
    expect(matcherFieldNames('TRUE')).toEqual({ headers: [], fields: [] });
  });

  it('rejects what compileMatcher rejects', () => {
    expect(() => matcherFieldNames('Fields[x] = 1')).toThrow(MatcherError);
  });
});

describe('pattern tests cost time linear in the value, whatever the pattern (issue 11)', () => {
  // Each of these held a thread for seconds to minutes as a backtracking RegExp; no clock
  // here: lua-pattern-automaton.test.ts counts the engine's work, this checks the answers
  // through the matcher, decoded and read in place as the analysis worker reads records.
  const base = lsbMinimalMessage();
  const withPayload = (payload: string): Message => ({ ...base, payload });
  const withClientId = (clientId: string): Message => ({ ...base, fields: [field('clientId', ValueType.STRING, [clientId])] });

  const cases: [expression: string, message: Message, expected: boolean][] = [
    ["Payload =~ 'a*a*a*a*b'", withPayload('a'.repeat(200)), false],
    ["Type == 'boom' && Payload =~ 'a*a*a*a*b'", { ...withPayload('a'.repeat(260)), type: 'boom' }, false],
    ["Payload =~ 'a*a*a*a*b'", withPayload('a'.repeat(60_000) + 'b'), true],
    ["Fields[clientId] =~ '.*.*.*.*@'", withClientId('x'.repeat(10_000)), false],
    ["Fields[clientId] =~ '.*.*.*.*@'", withClientId('x'.repeat(10_000) + '@'), true],
    ["Payload !~ '%s+$'", withPayload(' '.repeat(50_000) + 'x'), true],
  ];

  it.each(cases.map(([e, m, x]) => [e, m.payload?.length ?? 10_000, e, m, x]))('%s over %i bytes', (_e, _n, expression, message, expected) => {
    const m = message as Message;
    expect(holds(expression as string, m)).toBe(expected);
    const lazy = readMessageLazily(encodeMessage(m));
    expect(compileNodeInPlace(parseMatcher(expression as string))(lazy as LazyMessage)).toBe(expected);
  });

  it('refuses no pattern for its cost: every one is bounded', () => {
    for (const e of ["Payload =~ '.*.*.*.*.*.*.*.*@'", "Payload =~ 'a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaaaaaa'", "Payload =~ '%b()%b()'"]) {
      expect(() => compileMatcher(e), e).not.toThrow();
    }
  });

  it('answers as hand-written JS on the sample mix with a pathological pattern', () => {
    const matcher = compileMatcher("Fields[clientId] =~ '.*.*.*.*%-'");
    for (const m of sampleMessages(2_000, 3)) {
      const v = readField(m, 'clientId');
      expect(matcher(m)).toBe(typeof v === 'string' && v.includes('-'));
    }
  });
});
