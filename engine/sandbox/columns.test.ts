import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { HEADER_NAMES } from '../message/fields';
import { LazyMessage, readMessageLazily } from '../message/lazy-message';
import { ValueType, type Field, type Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { encodeColumns, type ColumnBatch, type LearnedKey } from './columns';
import { KeptStrings, MAX_KEPT_LENGTH, MAX_KEPT_PER_BATCH } from './kept-strings';
import { columnKey, parseReadName, readValue } from './read-message';

/**
 * What the driver's setupColumns + read_message do with a batch, in
 * TypeScript; `vmKept` stands for the strings the VM keeps between batches.
 */
function readColumns(batch: ColumnBatch, n: number, vmKept: string[] = []): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (batch.meta === '') return out;
  const m = JSON.parse(batch.meta) as unknown[];
  const [sep, nStr, nNum, ixBytes, count, keptBase, keptAdded] = m as [string, number, number, number, number, number, 0 | object];
  expect(count).toBe(n);
  expect(keptBase).toBeLessThanOrEqual(vmKept.length);
  vmKept.length = keptBase;
  if (keptAdded !== 0) vmKept.push(...Object.keys(keptAdded));
  const own = nStr > 0 ? (sep === '' ? (JSON.parse(batch.strings) as string[]) : batch.strings.split(sep)) : [];
  expect(own.length).toBe(nStr);
  const D: unknown[] = [...vmKept, ...own];
  D.push(...new Float64Array(batch.buffer, 0, nNum), true, false, undefined);
  for (let c = 7; c < m.length; c += 3) {
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
    expect(JSON.parse(batch.meta).slice(7)).toEqual([k.key, 0, 0]);
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

  it('keeps strings that recur from one batch to the next, and reads the same values', () => {
    const kept = new KeptStrings(1 << 20);
    const vm: string[] = [];
    const k = key('Fields[docType]');
    const batches = [sampleMessages(300, 1), sampleMessages(300, 2), sampleMessages(300, 3), sampleMessages(300, 4)];
    const metas: unknown[][] = [];
    for (const messages of batches) {
      const batch = encodeColumns(messages, [k], 1 << 20, kept);
      metas.push(JSON.parse(batch.meta) as unknown[]);
      expect(readColumns(batch, messages.length, vm).get(k.key)).toEqual(messages.map((m) => readValue(m, k.target)));
    }
    // First batch: nothing kept yet; second: the recurring docTypes are kept (sent as object keys); then only indexes.
    expect(metas[0][6]).toBe(0);
    expect(Object.keys(metas[1][6] as object)).toEqual(expect.arrayContaining(['main', 'crash']));
    expect(metas[2][1]).toBe(0); // no batch strings left: every docType is kept
    expect(metas[3][6]).toBe(0);
    expect(vm).toContain('main');
  });

  it('keeps at most MAX_KEPT_PER_BATCH new strings a batch, never long or index-like ones, and restarts a full table', () => {
    const kept = new KeptStrings(2048); // room for a few dozen short strings
    const vm: string[] = [];
    const k = key('Fields[x]');
    const values = [...Array.from({ length: 60 }, (_, j) => `v${j}`), '42', 'y'.repeat(MAX_KEPT_LENGTH + 1)];
    const messages = values.map((v) => msg([f('x', ValueType.STRING, v)]));
    const keptCounts: number[] = [];
    for (let round = 0; round < 8; round++) {
      const batch = encodeColumns(messages, [k], 1 << 20, kept);
      expect(readColumns(batch, messages.length, vm).get(k.key), `round ${round}`).toEqual(values);
      const added = (JSON.parse(batch.meta) as unknown[])[6];
      const n = added === 0 ? 0 : Object.keys(added as object).length;
      expect(n).toBeLessThanOrEqual(MAX_KEPT_PER_BATCH);
      keptCounts.push(kept.size);
    }
    expect(vm).not.toContain('42');
    expect(vm).not.toContain(values[61]);
    expect(Math.max(...keptCounts)).toBeGreaterThan(0);
    // 2048 bytes hold fewer than the 60 recurring strings: the table fills, then starts over.
    expect(keptCounts.some((c, j) => j > 0 && c < keptCounts[j - 1])).toBe(true);
  });

  it('sends the kept strings even when every column is left out', () => {
    const kept = new KeptStrings(1 << 20);
    const vm: string[] = [];
    const messages = Array.from({ length: 10 }, () => msg([f('x', ValueType.STRING, 'same')]));
    const k = key('Fields[x]');
    readColumns(encodeColumns(messages, [k], 1 << 20, kept), 10, vm);
    // Over budget: the column is left out, but 'same' was kept in this batch and must reach the VM.
    const batch = encodeColumns(messages, [k], 1, kept);
    expect(batch.keys).toEqual([]);
    readColumns(batch, 10, vm);
    expect(vm).toEqual(['same']);
    expect(readColumns(encodeColumns(messages, [k], 1 << 20, kept), 10, vm).get(k.key)).toEqual(messages.map(() => 'same'));
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
