import { describe, expect, it } from 'vitest';
import { frameMessage } from '../message/framing';
import { LazyMessage, readMessageLazily } from '../message/lazy-message';
import { ValueType, type Message } from '../message/message';
import { decodeMessage, encodeMessage } from '../message/protobuf';
import { columnKey, parseReadName, readValue } from './read-message';

const message: Message = {
  uuid: new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
  timestamp: 1_700_000_000_123_456_789n,
  type: 'telemetry',
  logger: 'edge',
  payload: 'hello',
  hostname: 'h1',
  fields: [
    { name: 'docType', valueType: ValueType.STRING, representation: '', value: ['main'] },
    { name: 'tags', valueType: ValueType.STRING, representation: '', value: ['a', 'b', 'c'] },
    { name: 'tags', valueType: ValueType.STRING, representation: '', value: ['d'] },
    { name: 'big', valueType: ValueType.INTEGER, representation: '', value: [2n ** 60n] },
    { name: 'blob', valueType: ValueType.BYTES, representation: '', value: [new Uint8Array([1, 2, 3])] },
    { name: 'ok', valueType: ValueType.BOOL, representation: '', value: [false] },
    { name: 'odd]name', valueType: ValueType.DOUBLE, representation: '', value: [-0] },
  ],
};

describe('parseReadName', () => {
  it('reads headers, raw, framed and size', () => {
    expect(parseReadName('Type', undefined, undefined)).toEqual({ kind: 'header', name: 'Type' });
    expect(parseReadName('raw', undefined, undefined)).toEqual({ kind: 'raw' });
    expect(parseReadName('framed', undefined, undefined)).toEqual({ kind: 'framed' });
    expect(parseReadName('size', undefined, undefined)).toEqual({ kind: 'size' });
  });

  it('takes field indexes from the name or from the arguments', () => {
    expect(parseReadName('Fields[tags]', undefined, undefined)).toEqual({ kind: 'field', name: 'tags', fi: 0, ai: 0 });
    expect(parseReadName('Fields[tags]', 1, 0)).toEqual({ kind: 'field', name: 'tags', fi: 1, ai: 0 });
    expect(parseReadName('Fields[tags][0][2]', undefined, undefined)).toEqual({ kind: 'field', name: 'tags', fi: 0, ai: 2 });
    expect(parseReadName('Fields[tags][1]', undefined, undefined)).toEqual({ kind: 'field', name: 'tags', fi: 1, ai: 0 });
    // A name with a bracket inside, as lua_sandbox allows.
    expect(parseReadName('Fields[odd]name]', undefined, undefined)).toEqual({
      kind: 'field',
      name: 'odd]name',
      fi: 0,
      ai: 0,
    });
  });

  it('rejects bad names and indexes with messages that say what to do', () => {
    expect(() => parseReadName('type', undefined, undefined)).toThrow(/unknown name "type": expected a header/);
    expect(() => parseReadName('Field[docType]', undefined, undefined)).toThrow(/unknown name/);
    expect(() => parseReadName(42, undefined, undefined)).toThrow(/name must be a string, got number 42/);
    expect(() => parseReadName('Fields[x]', -1, undefined)).toThrow(/field index \(2nd argument\) must be >= 0/);
    expect(() => parseReadName('Fields[x]', 0, 1.5)).toThrow(/array index \(3rd argument\) must be an integer/);
    expect(() => parseReadName('Fields[x]', '1', undefined)).toThrow(/must be an integer, got "1"/);
    expect(() => parseReadName('Fields[x][1]', 1, undefined)).toThrow(/already has indexes in the name/);
  });
});

describe('readValue', () => {
  const read = (name: string, fi?: number, ai?: number) => readValue(message, parseReadName(name, fi, ai));

  it('gives headers as readHeader does', () => {
    expect(read('Uuid')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(read('Timestamp')).toBe(1_700_000_000_123_456_789);
    expect(read('Type')).toBe('telemetry');
    expect(read('Severity')).toBe(7);
    expect(read('Pid')).toBeUndefined();
    expect(read('EnvVersion')).toBeUndefined();
  });

  it('gives field values by field and array index', () => {
    expect(read('Fields[docType]')).toBe('main');
    expect(read('Fields[tags]', 0, 2)).toBe('c');
    expect(read('Fields[tags]', 1, 0)).toBe('d');
    expect(read('Fields[tags][1][0]')).toBe('d');
    expect(read('Fields[tags]', 2)).toBeUndefined();
    expect(read('Fields[tags]', 0, 3)).toBeUndefined();
    expect(read('Fields[missing]')).toBeUndefined();
    expect(read('Fields[ok]')).toBe(false);
    expect(Object.is(read('Fields[odd]name]'), -0)).toBe(true);
  });

  it('gives int64 values as numbers and bytes as a fresh copy', () => {
    expect(read('Fields[big]')).toBe(2 ** 60);
    const a = read('Fields[blob]') as Uint8Array;
    expect(a).toEqual(new Uint8Array([1, 2, 3]));
    a[0] = 99;
    expect(read('Fields[blob]')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('gives raw, framed and size from the protobuf encoding', () => {
    const raw = read('raw') as Uint8Array;
    expect(raw).toEqual(encodeMessage(message));
    expect(decodeMessage(raw).payload).toBe('hello');
    expect(read('framed')).toEqual(frameMessage(raw));
    expect(read('size')).toBe(raw.length);
  });
});

describe('readValue on a message read in place (LazyMessage)', () => {
  it('reads every name exactly as on the decoded message', () => {
    const lazy = readMessageLazily(encodeMessage(message));
    expect(lazy).toBeInstanceOf(LazyMessage);
    const names: [string, number?, number?][] = [
      ['Uuid'], ['Timestamp'], ['Type'], ['Logger'], ['Severity'], ['Payload'], ['EnvVersion'], ['Pid'], ['Hostname'],
      ['raw'], ['framed'], ['size'], ['Fields[docType]'], ['Fields[tags]', 0, 2], ['Fields[tags]', 1, 0], ['Fields[tags]', 2],
      ['Fields[tags]', 0, 3], ['Fields[missing]'], ['Fields[ok]'], ['Fields[odd]name]'], ['Fields[big]'], ['Fields[blob]'],
    ];
    for (const [name, fi, ai] of names) {
      const target = parseReadName(name, fi, ai);
      const got = readValue(lazy, target);
      const want = readValue(message, target);
      if (want instanceof Uint8Array) expect(got, name).toEqual(want);
      else expect(Object.is(got, want), `${name}: ${String(got)} vs ${String(want)}`).toBe(true);
    }
    // BYTES stay a fresh copy each read.
    const a = readValue(lazy, parseReadName('Fields[blob]', undefined, undefined)) as Uint8Array;
    a[0] = 99;
    expect(readValue(lazy, parseReadName('Fields[blob]', undefined, undefined))).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('columnKey', () => {
  it('is the name alone without index arguments, else name NUL fi NUL ai', () => {
    expect(columnKey('Type', undefined, undefined)).toBe('Type');
    expect(columnKey('Fields[a]', 1, undefined)).toBe('Fields[a]\u00001\u0000undefined');
    expect(columnKey('Fields[a]', 0, 2)).toBe('Fields[a]\u00000\u00002');
  });
});
