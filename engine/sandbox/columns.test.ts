import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { HEADER_NAMES } from '../message/fields';
import { LazyMessage, readMessageLazily } from '../message/lazy-message';
import { ValueType, type Field, type Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { encodeColumns, type ColumnBatch, type LearnedKey } from './columns';
import { columnKey, parseReadName, readValue } from './read-message';

/** What the driver's setupColumns + read_message do with a batch, in TypeScript. */
function readColumns(batch: ColumnBatch, n: number): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (batch.meta === '') return out;
  const m = JSON.parse(batch.meta) as unknown[];
  const [sep, nStr, nNum, ixBytes, count] = m as [string, number, number, number, number];
  expect(count).toBe(n);
  const D: unknown[] = nStr > 0 ? batch.strings.split(sep) : [];
  expect(D.length).toBe(nStr);
  D.push(...new Float64Array(batch.buffer, 0, nNum), true, false, undefined);
  for (let c = 5; c < m.length; c += 3) {
    const [key, kind, offset] = [m[c] as string, m[c + 1] as number, m[c + 2] as number];
    const values: unknown[] = [];
    if (kind === 0) {
      values.push(...new Float64Array(batch.buffer, offset, n));
    } else {
      const ix = ixBytes === 2 ? new Uint16Array(batch.buffer, offset, n) : new Uint32Array(batch.buffer, offset, n);
      for (let j = 0; j < n; j++) values.push(D[ix[j]]);
    }
    out.set(key, values);
  }
  return out;
}

function key(name: string, fi?: number, ai?: number): LearnedKey {
  return { key: columnKey(name, fi, ai), target: parseReadName(name, fi, ai) };
}

function msg(fields: Field[], extra: Partial<Message> = {}): Message {
  return { uuid: new Uint8Array(16), timestamp: 1n, fields, ...extra };
}
const f = (name: string, valueType: Field['valueType'], ...value: Field['value']): Field => ({
  name,
  valueType,
  representation: '',
  value,
});

describe('encodeColumns', () => {
  it('round-trips every header and common field of the sample stream exactly', () => {
    const messages = sampleMessages(1000, 7);
    const keys = [
      ...HEADER_NAMES,
      'size',
      'Fields[docType]',
      'Fields[size]',
      'Fields[hasCrashEnvironment]',
      'Fields[pingDiscardRate]',
      'Fields[status]',
    ].map((k) => key(k));
    keys.push(key('Fields[eventCategories]', 0, 1));
    const batch = encodeColumns(messages, keys, 64 * 1024 * 1024);
    expect([...batch.keys].sort()).toEqual(keys.map((k) => k.key).sort());
    const cols = readColumns(batch, messages.length);
    for (const k of keys) {
      const expected = messages.map((m) => readValue(m, k.target));
      expect(cols.get(k.key), k.key).toEqual(expected);
    }
  });

  it('sends the same columns for messages read in place (LazyMessage) as for decoded ones', () => {
    const messages = [...sampleMessages(500, 5), msg([f('x', ValueType.DOUBLE, -0)]), msg([f('x', ValueType.INTEGER, 2n ** 62n)])];
    const lazy = messages.map((m) => readMessageLazily(encodeMessage(m)));
    expect(lazy.every((m) => m instanceof LazyMessage)).toBe(true);
    const keys = ['Type', 'Timestamp', 'Uuid', 'Fields[docType]', 'Fields[size]', 'Fields[x]', 'Fields[hasCrashEnvironment]'].map((k) =>
      key(k),
    );
    keys.push(key('Fields[eventCategories]', 0, 1));
    expect(encodeColumns(lazy, keys, 64 * 1024 * 1024)).toEqual(encodeColumns(messages, keys, 64 * 1024 * 1024));
  });

  it('keeps mixed types, -0, NaN and infinities apart', () => {
    const messages = [
      msg([f('x', ValueType.STRING, 'a')]),
      msg([f('x', ValueType.DOUBLE, -0)]),
      msg([f('x', ValueType.DOUBLE, 0)]),
      msg([f('x', ValueType.DOUBLE, NaN)]),
      msg([f('x', ValueType.DOUBLE, -Infinity)]),
      msg([f('x', ValueType.BOOL, true)]),
      msg([f('x', ValueType.BOOL, false)]),
      msg([]),
      msg([f('x', ValueType.STRING, '')]),
      msg([f('x', ValueType.INTEGER, 2n ** 62n)]),
    ];
    const k = key('Fields[x]');
    const values = readColumns(encodeColumns(messages, [k], 1 << 20), messages.length).get(k.key)!;
    expect(values.length).toBe(messages.length);
    messages.forEach((m, j) => expect(Object.is(values[j], readValue(m, k.target)), `message ${j}`).toBe(true));
  });

  it('sends an all-numeric column as Float64 values', () => {
    const messages = sampleMessages(50, 3);
    const k = key('Timestamp');
    const batch = encodeColumns(messages, [k], 1 << 20);
    expect(JSON.parse(batch.meta).slice(5)).toEqual([k.key, 0, 0]);
    expect(readColumns(batch, 50).get(k.key)).toEqual(messages.map((m) => Number(m.timestamp)));
  });

  it('picks a separator no string contains', () => {
    const messages = [msg([f('x', ValueType.STRING, 'a\u0001b')]), msg([f('x', ValueType.STRING, 'c\u001fd')])];
    const k = key('Fields[x]');
    const batch = encodeColumns(messages, [k], 1 << 20);
    expect(readColumns(batch, 2).get(k.key)).toEqual(['a\u0001b', 'c\u001fd']);
  });

  it('leaves out bytes, and columns over the budget, without disturbing the others', () => {
    const big = 'x'.repeat(10_000);
    const messages = Array.from({ length: 20 }, (_, j) =>
      msg([
        f('blob', ValueType.BYTES, new Uint8Array([j])),
        f('big', ValueType.STRING, big + j),
        f('small', ValueType.STRING, j % 2 ? 'odd' : 'even'),
      ]),
    );
    const keys = [key('Fields[blob]'), key('Fields[big]'), key('Fields[small]')];
    const batch = encodeColumns(messages, keys, 4096);
    expect(batch.keys).toEqual(['Fields[small]']);
    expect(readColumns(batch, 20).get('Fields[small]')).toEqual(messages.map((_, j) => (j % 2 ? 'odd' : 'even')));
    expect(batch.strings).not.toContain('xxx');
  });

  it('sends nothing when there are no keys', () => {
    expect(encodeColumns(sampleMessages(5), [], 1 << 20)).toEqual({
      meta: '',
      strings: '',
      buffer: new ArrayBuffer(0),
      keys: [],
    });
  });
});
