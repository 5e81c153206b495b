import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { edgeMessages, INT64_MAX, INT64_MIN } from './fixtures/edge-messages';
import { messageFromJSON, messageToJSON, parseMessageJSON } from './json';
import { MessageError, ValueType, type Message } from './message';
import { decodeMessage, encodeMessage } from './protobuf';

const UUID_HEX = '0f8fad5bd9cb469fa16570867728950e';
const UUID_BYTES = Uint8Array.from(UUID_HEX.match(/../g)!.map((b) => parseInt(b, 16)));

function expectMessageError(fn: () => unknown, expected: string | RegExp): MessageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MessageError);
    if (typeof expected === 'string') expect((err as Error).message).toBe(expected);
    else expect((err as Error).message).toMatch(expected);
    return err as MessageError;
  }
  throw new Error('expected a MessageError');
}

const base = { Uuid: UUID_HEX, Timestamp: 1000 };

describe('messageFromJSON: headers', () => {
  it('reads every header', () => {
    const m = messageFromJSON({
      Uuid: UUID_HEX,
      Timestamp: 1714566896123456,
      Type: 'telemetry',
      Logger: 'edge',
      Severity: 3,
      Payload: 'hello',
      EnvVersion: '1',
      Pid: 42,
      Hostname: 'host',
    });
    expect(m).toEqual({
      uuid: UUID_BYTES,
      timestamp: 1714566896123456n,
      type: 'telemetry',
      logger: 'edge',
      severity: 3,
      payload: 'hello',
      envVersion: '1',
      pid: 42,
      hostname: 'host',
      fields: [],
    });
  });

  it('accepts Uuid as 32 hex or 36-character canonical, any case', () => {
    for (const u of [UUID_HEX, UUID_HEX.toUpperCase(), '0f8fad5b-d9cb-469f-a165-70867728950e', '0F8FAD5B-D9CB-469F-A165-70867728950E']) {
      expect(messageFromJSON({ ...base, Uuid: u }).uuid).toEqual(UUID_BYTES);
    }
    for (const u of ['', '0f8fad5b', UUID_HEX + '00', '0f8fad5b-d9cb-469f-a165_70867728950e', 'g'.repeat(32), '0f8fad5bd-9cb-469f-a165-70867728950e']) {
      expectMessageError(() => messageFromJSON({ ...base, Uuid: u }), /^Uuid: expected 32 hex digits or the 36-character 8-4-4-4-12 form, got /);
    }
    expectMessageError(() => messageFromJSON({ ...base, Uuid: 5 }), 'Uuid: expected a string, got number 5');
  });

  it('fills a random v4 Uuid and the current time when absent', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const a = messageFromJSON({});
    const b = messageFromJSON({ Uuid: null, Timestamp: null });
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(a.uuid.length).toBe(16);
    expect(a.uuid[6] >> 4).toBe(4);
    expect(a.uuid[8] >> 6).toBe(2);
    expect(a.uuid).not.toEqual(b.uuid);
    expect(a.timestamp >= before && a.timestamp <= after).toBe(true);
  });

  it('accepts Timestamp as integer nanoseconds, digit strings or RFC 3339', () => {
    expect(messageFromJSON({ ...base, Timestamp: 0 }).timestamp).toBe(0n);
    expect(messageFromJSON({ ...base, Timestamp: -5 }).timestamp).toBe(-5n);
    expect(messageFromJSON({ ...base, Timestamp: '1714566896123456789' }).timestamp).toBe(1714566896123456789n);
    expect(messageFromJSON({ ...base, Timestamp: '-9223372036854775808' }).timestamp).toBe(INT64_MIN);
    expect(messageFromJSON({ ...base, Timestamp: '2024-05-01T12:34:56.123456789Z' }).timestamp).toBe(1714566896123456789n);
    expect(messageFromJSON({ ...base, Timestamp: '2024-05-01T14:34:56.5+02:00' }).timestamp).toBe(1714566896500000000n);
    expectMessageError(() => messageFromJSON({ ...base, Timestamp: 1.5 }), 'Timestamp: expected integer nanoseconds, got 1.5');
    expectMessageError(() => messageFromJSON({ ...base, Timestamp: 'yesterday' }), /^Timestamp: expected integer nanoseconds or an RFC 3339 time/);
    expectMessageError(() => messageFromJSON({ ...base, Timestamp: '2024-02-30T00:00:00Z' }), /^Timestamp: expected/);
    expectMessageError(() => messageFromJSON({ ...base, Timestamp: '9223372036854775808' }), /^Timestamp: 9223372036854775808 is outside the int64 range/);
    expectMessageError(() => messageFromJSON({ ...base, Timestamp: true }), 'Timestamp: expected a number or a string, got boolean true');
  });

  it('treats null as absent and rejects wrong types with the header name', () => {
    expect(messageFromJSON({ ...base, Type: null, Pid: null, Severity: null })).toEqual({
      uuid: UUID_BYTES,
      timestamp: 1000n,
      fields: [],
    });
    expectMessageError(() => messageFromJSON({ ...base, Type: 5 }), 'Type: expected a string, got number 5');
    expectMessageError(() => messageFromJSON({ ...base, Payload: {} }), 'Payload: expected a string, got object');
    expectMessageError(() => messageFromJSON({ ...base, Hostname: ['a'] }), 'Hostname: expected a string, got array');
    expectMessageError(() => messageFromJSON({ ...base, Severity: 1.5 }), 'Severity: expected an integer, got number 1.5');
    expectMessageError(() => messageFromJSON({ ...base, Pid: '12' }), 'Pid: expected an integer, got the string "12"');
    expectMessageError(() => messageFromJSON({ ...base, Logger: 'a\ud800' }), 'Logger: contains a lone surrogate, which has no UTF-8 encoding');
  });

  it('ignores unknown keys but rejects header names in the wrong case', () => {
    expect(messageFromJSON({ ...base, extra: { anything: 1 }, raw: 'x' })).toEqual({ uuid: UUID_BYTES, timestamp: 1000n, fields: [] });
    expectMessageError(() => messageFromJSON({ ...base, hostname: 'h' }), 'hostname: unknown key; headers are case-sensitive, did you mean "Hostname"?');
    expectMessageError(() => messageFromJSON({ ...base, fields: {} }), /did you mean "Fields"/);
  });

  it('rejects non-objects', () => {
    expectMessageError(() => messageFromJSON([]), 'expected a JSON object, got array');
    expectMessageError(() => messageFromJSON(null), 'expected a JSON object, got null');
    expectMessageError(() => messageFromJSON('{}'), 'expected a JSON object, got the string "{}"');
  });
});

describe('messageFromJSON: Fields', () => {
  it('reads the list form with numeric or named value types and scalar or array values', () => {
    const m = messageFromJSON({
      ...base,
      Fields: [
        { name: 'docType', value_type: 0, value: 'main' },
        { name: 'n', value_type: 'INTEGER', representation: 'count', value: [1, 2, '9007199254740993'] },
        { name: 'd', value_type: 'double', value: [1, 'NaN', 'Infinity', '-Infinity', '-0'] },
        { name: 'b', value_type: 4, value: [true, false] },
        { name: 'raw', value_type: 'BYTES', value: ['aGk=', 'AP8'] },
        { name: 'guess', value: 3 },
        { name: 'guess2', value: [1.5, 2] },
      ],
    });
    expect(m.fields).toEqual([
      { name: 'docType', valueType: ValueType.STRING, representation: '', value: ['main'] },
      { name: 'n', valueType: ValueType.INTEGER, representation: 'count', value: [1, 2, 9007199254740993n] },
      { name: 'd', valueType: ValueType.DOUBLE, representation: '', value: [1, NaN, Infinity, -Infinity, -0] },
      { name: 'b', valueType: ValueType.BOOL, representation: '', value: [true, false] },
      { name: 'raw', valueType: ValueType.BYTES, representation: '', value: [Uint8Array.of(104, 105), Uint8Array.of(0, 255)] },
      { name: 'guess', valueType: ValueType.INTEGER, representation: '', value: [3] },
      { name: 'guess2', valueType: ValueType.DOUBLE, representation: '', value: [1.5, 2] },
    ]);
    expect(Object.is(m.fields[2].value[4], -0)).toBe(true);
  });

  it('reads the shorthand object form', () => {
    const m = messageFromJSON({
      ...base,
      Fields: { docType: 'main', n: 3, x: 2.5, ok: true, tags: ['a', 'b'], ids: [1, 2], mix: [1, 2.5], big: 1e300, neg: -7 },
    });
    expect(m.fields).toEqual([
      { name: 'docType', valueType: ValueType.STRING, representation: '', value: ['main'] },
      { name: 'n', valueType: ValueType.INTEGER, representation: '', value: [3] },
      { name: 'x', valueType: ValueType.DOUBLE, representation: '', value: [2.5] },
      { name: 'ok', valueType: ValueType.BOOL, representation: '', value: [true] },
      { name: 'tags', valueType: ValueType.STRING, representation: '', value: ['a', 'b'] },
      { name: 'ids', valueType: ValueType.INTEGER, representation: '', value: [1, 2] },
      { name: 'mix', valueType: ValueType.DOUBLE, representation: '', value: [1, 2.5] },
      { name: 'big', valueType: ValueType.DOUBLE, representation: '', value: [1e300] },
      { name: 'neg', valueType: ValueType.INTEGER, representation: '', value: [-7] },
    ]);
    // an integral number beyond 2^53 is INTEGER, held as a bigint
    expect(messageFromJSON({ ...base, Fields: { t: 2 ** 60 } }).fields[0].value).toEqual([2n ** 60n]);
  });

  it('rejects bad shorthand values with their path', () => {
    const cases: [unknown, string][] = [
      [{ n: { a: 1 } }, 'Fields.n: expected a string, number, boolean or array, got object'],
      [{ n: null }, 'Fields.n: expected a string, number, boolean or array, got null'],
      [{ n: [] }, 'Fields.n: empty arrays have no value type; give at least one element'],
      [{ n: [1, 'a'] }, 'Fields.n: array mixes number and string elements'],
      [{ n: [true, 1] }, 'Fields.n: array mixes boolean and number elements'],
      [{ n: ['a', ['b']] }, 'Fields.n[1]: expected a string, number, boolean or array, got array'],
      [{ n: [{}] }, 'Fields.n[0]: expected a string, number, boolean or array, got object'],
      [{ 'a\ud800': 1 }, 'Fields: contains a lone surrogate, which has no UTF-8 encoding'],
      [5, 'Fields: expected an array of fields or an object of name: value, got number 5'],
      ['x', 'Fields: expected an array of fields or an object of name: value, got the string "x"'],
    ];
    for (const [fields, message] of cases) expectMessageError(() => messageFromJSON({ ...base, Fields: fields }), message);
  });

  it('rejects bad list entries with their path', () => {
    const cases: [unknown, string | RegExp][] = [
      ['x', 'Fields[0]: expected an object with name, value_type and value, got the string "x"'],
      [{ value: 1 }, 'Fields[0].name: expected a string, got undefined'],
      [{ name: 'a' }, "Fields[0] 'a': has no value"],
      [{ name: 'a', value: [] }, "Fields[0] 'a': value is an empty array"],
      [{ name: 'a', value_type: 7, value: 1 }, "Fields[0] 'a'.value_type: expected 0-4 or STRING, BYTES, INTEGER, DOUBLE, BOOL, got number 7"],
      [{ name: 'a', value_type: 'TEXT', value: 1 }, /got the string "TEXT"/],
      [{ name: 'a', value_type: 'STRING', value: 1 }, "Fields[0] 'a'.value: expected a string, got number 1"],
      [{ name: 'a', value_type: 'INTEGER', value: [1, 1.5] }, "Fields[0] 'a'.value[1]: expected an integer, got 1.5"],
      [{ name: 'a', value_type: 'INTEGER', value: '1e3' }, /expected an integer \(a number or a string of digits\), got the string "1e3"/],
      [{ name: 'a', value_type: 'INTEGER', value: '9223372036854775808' }, /outside the int64 range/],
      [{ name: 'a', value_type: 'DOUBLE', value: 'nan' }, /expected a number \(or "NaN", "Infinity", "-Infinity"\), got the string "nan"/],
      [{ name: 'a', value_type: 'BOOL', value: 0 }, "Fields[0] 'a'.value: expected true or false, got number 0"],
      [{ name: 'a', value_type: 'BYTES', value: 'not base64!' }, /BYTES values are base64 strings; "not base64!" is not valid base64/],
      [{ name: 'a', value_type: 'BYTES', value: 5 }, "Fields[0] 'a'.value: expected a base64 string, got number 5"],
      [{ name: 'a', value: [1, 'x'] }, "Fields[0] 'a'.value: array mixes number and string elements"],
      [{ name: 'a', value: [1, {}] }, "Fields[0] 'a'.value[1]: expected a string, number, boolean or array, got object"],
      [{ name: 'a', value_type: 'STRING', value: ['x', 'y', 3] }, "Fields[0] 'a'.value[2]: expected a string, got number 3"],
      [{ name: 'a', representation: 5, value: 1 }, "Fields[0] 'a'.representation: expected a string, got number 5"],
    ];
    for (const [entry, message] of cases) {
      expectMessageError(() => messageFromJSON({ ...base, Fields: [entry] }), message);
    }
    expectMessageError(
      () => messageFromJSON({ ...base, Fields: [{ name: 'ok', value: 1 }, { name: 'b', value_type: 'BOOL', value: [true, 'x'] }] }),
      'Fields[1] \'b\'.value[1]: expected true or false, got the string "x"',
    );
  });

  it('rejects messages that would encode beyond 64 KiB', () => {
    expectMessageError(() => messageFromJSON({ ...base, Payload: 'x'.repeat(70_000) }), /^message encodes to 70\d{3} bytes, more than the 65536 byte maximum$/);
    expectMessageError(
      () => messageFromJSON({ ...base, Fields: { d: new Array(9000).fill(0.5) } }),
      /more than the 65536 byte maximum/,
    );
    expect(() => messageFromJSON({ ...base, Payload: 'x'.repeat(60_000) })).not.toThrow();
  });
});

describe('parseMessageJSON', () => {
  it('keeps the exact digits of a big integer Timestamp', () => {
    const text = `{"Uuid":"${UUID_HEX}","Timestamp":1714566896123456789,"Fields":{"n":1}}`;
    expect(BigInt(JSON.parse(text).Timestamp)).not.toBe(1714566896123456789n); // JSON.parse alone loses digits
    expect(parseMessageJSON(text).timestamp).toBe(1714566896123456789n);
    expect(parseMessageJSON(`{"Timestamp" : -1714566896123456789 }`).timestamp).toBe(-1714566896123456789n);
  });

  it('falls back to the parsed number when the digits are ambiguous', () => {
    const text = `{"Fields":{"Timestamp":1714566896123456700},"Timestamp":1714566896123456789}`;
    const m = parseMessageJSON(text);
    expect(m.timestamp).toBe(BigInt(1714566896123456789));
    // a string value that merely contains the text does not count
    const text2 = `{"Payload":"\\"Timestamp\\":5","Timestamp":1714566896123456789}`;
    expect(parseMessageJSON(text2).timestamp).toBe(1714566896123456789n);
  });

  it('reports invalid JSON as a MessageError', () => {
    expectMessageError(() => parseMessageJSON('{"Type": '), /^invalid JSON: /);
    expectMessageError(() => parseMessageJSON('{"Type": "\\ud800"}'), 'Type: contains a lone surrogate, which has no UTF-8 encoding');
  });
});

describe('JSON round trips', () => {
  const messages = (): Message[] => [...edgeMessages(), ...sampleMessages(300, 11)];

  it('messageToJSON -> text -> parseMessageJSON is exact', () => {
    for (const m of messages()) {
      const text = JSON.stringify(messageToJSON(m));
      const back = parseMessageJSON(text);
      expect(back).toEqual(m);
      expect(encodeMessage(back)).toEqual(encodeMessage(m));
    }
  });

  it('JSON <-> Message <-> protobuf agree', () => {
    for (const m of messages()) {
      const viaProtobuf = decodeMessage(encodeMessage(messageFromJSON(JSON.parse(JSON.stringify(messageToJSON(m))))));
      expect(messageToJSON(viaProtobuf)).toEqual(messageToJSON(m));
    }
  });

  it('writes the list form with Heka value types and JSON-safe values', () => {
    const m = edgeMessages()[7];
    const json = messageToJSON(m) as { Uuid: string; Timestamp: unknown; Fields: { name: string; value_type: number; representation?: string; value: unknown[] }[] };
    expect(json.Uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(json.Timestamp).toBe('1795000000000000000');
    const byName = Object.fromEntries(json.Fields.map((f) => [f.name, f]));
    expect(byName.b).toEqual({ name: 'b', value_type: 1, value: ['AP+A'] });
    expect(byName.i).toEqual({ name: 'i', value_type: 2, representation: 'count', value: [42] });
    expect(byName.ints.value.slice(-4)).toEqual(['9007199254740992', '-9007199254740992', INT64_MIN.toString(), INT64_MAX.toString()]);
    expect(byName.doubles.value.slice(0, 5)).toEqual([0, '-0', 'NaN', 'Infinity', '-Infinity']);
    expect(messageToJSON(edgeMessages()[0])).toEqual({ Uuid: expect.any(String), Timestamp: 0, Fields: [] });
  });
});
