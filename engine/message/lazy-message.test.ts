import { describe, expect, it } from 'vitest';
import { createRng, sampleMessages } from '../inputs/sample-messages';
import { concatBytes } from './fixtures/bytes';
import { edgeMessages } from './fixtures/edge-messages';
import { HEADER_NAMES, readField, readHeader } from './fields';
import { LazyMessage, readMessageField, readMessageLazily } from './lazy-message';
import { ValueType, type FieldValue, type Message } from './message';
import { decodeMessage, encodeMessage } from './protobuf';

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const text = (s: string) => new TextEncoder().encode(s);
const UUID = hex('0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f');
const TS = hex('10 01');
/** A field entry (tag 10) around `body`. */
const field = (...parts: Uint8Array[]) => {
  const body = concatBytes(...parts);
  const len = body.length < 0x80 ? Uint8Array.of(body.length) : Uint8Array.of((body.length & 0x7f) | 0x80, body.length >> 7);
  return concatBytes(Uint8Array.of(0x52), len, body);
};
const str = (key: number, s: string | Uint8Array) => {
  const b = typeof s === 'string' ? text(s) : s;
  return concatBytes(Uint8Array.of(key, b.length), b);
};

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return Object.is(a, b);
}

type Outcome = { message: Message } | { error: string };
function attempt(fn: () => Message): Outcome {
  try {
    return { message: fn() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/**
 * The lazy view of bytes[start, end) agrees with decodeMessage on everything
 * a reader can ask: the outcome (message or the same error), each header, the
 * fields, and Fields[name][fi][ai] for every name, past every index.
 */
function expectAgreement(bytes: Uint8Array, start = 0, end = bytes.length): Message | undefined {
  const full = attempt(() => decodeMessage(bytes.slice(start, end)));
  const lazy = attempt(() => readMessageLazily(bytes, start, end));
  if ('error' in full) {
    expect(lazy).toEqual(full);
    return undefined;
  }
  if ('error' in lazy) throw new Error(`accepted by decodeMessage, rejected lazily: ${lazy.error}`);
  const d = full.message;
  const l = lazy.message;
  // Plain comparisons, one expect per difference: this runs on thousands of records.
  const differences: string[] = [];
  for (const h of HEADER_NAMES) if (!sameValue(readHeader(l, h), readHeader(d, h))) differences.push(h);
  if (!sameValue(l.uuid, d.uuid)) differences.push('uuid');
  if (l.timestamp !== d.timestamp) differences.push('timestamp');
  for (const k of ['type', 'logger', 'severity', 'payload', 'envVersion', 'pid', 'hostname'] as const) {
    if (!sameValue(l[k], d[k])) differences.push(k);
  }
  const names = new Set(d.fields.map((f) => f.name));
  names.add('absent');
  for (const name of names) {
    const count = d.fields.filter((f) => f.name === name).length;
    const longest = Math.max(0, ...d.fields.filter((f) => f.name === name).map((f) => f.value.length));
    for (let fi = 0; fi <= count; fi++) {
      for (let ai = 0; ai <= longest; ai++) {
        const got: FieldValue | undefined = readMessageField(l, name, fi, ai);
        const want = readField(d, name, fi, ai);
        if (!sameValue(got, want)) differences.push(`Fields[${name}][${fi}][${ai}]: ${String(got)} vs ${String(want)}`);
      }
    }
  }
  expect(differences).toEqual([]);
  expect(l.fields).toEqual(d.fields);
  return l;
}

describe('readMessageLazily agrees with decodeMessage', () => {
  it('on sample messages, read in place (never through the fallback)', () => {
    for (const m of sampleMessages(300, 3)) {
      const bytes = encodeMessage(m);
      expect(readMessageLazily(bytes)).toBeInstanceOf(LazyMessage);
      expectAgreement(bytes);
    }
  });

  it('on edge messages: every value type, repeated and packed values, int64 extremes, NaN and -0, unicode, absent headers', () => {
    for (const m of edgeMessages()) {
      const bytes = encodeMessage(m);
      expect(readMessageLazily(bytes)).toBeInstanceOf(LazyMessage);
      expectAgreement(bytes);
    }
  });

  it('on a record in the middle of a larger buffer, and on a Node Buffer', () => {
    const a = encodeMessage(sampleMessages(1, 1)[0]);
    const b = encodeMessage(edgeMessages()[5]);
    const joined = concatBytes(a, b, a);
    expectAgreement(joined, a.length, a.length + b.length);
    expectAgreement(Buffer.from(joined), a.length, a.length + b.length);
  });

  it('on other writers: explicit STRING value_type, unpacked repeated numbers, headers out of order and repeated', () => {
    const bytes = concatBytes(
      str(0x1a, 'first type'),
      TS,
      field(str(0x0a, 'n'), hex('10 00'), str(0x22, 'x'), str(0x22, 'y')),
      UUID,
      field(str(0x0a, 'i'), hex('10 02 30 05 30 07 32 02 01 02')),
      field(str(0x0a, 'd'), hex('10 03 39 00 00 00 00 00 00 f0 3f 3a 08 00 00 00 00 00 00 00 80')),
      field(str(0x0a, 'b'), hex('10 04 40 02 42 02 00 05')),
      field(str(0x0a, 'r'), str(0x1a, 'ms'), str(0x1a, 'count'), str(0x0a, 'renamed'), str(0x22, 'v')),
      field(str(0x0a, 'e'), hex('10 01')), // BYTES, no values
      field(str(0x0a, 'v'), hex('10 82 00 30 90 4e')), // value_type INTEGER in two bytes, 10000
      field(hex('0a 81 01'), text('x'.repeat(129)), str(0x22, 'long')), // a name of 129 bytes: two-byte length
      str(0x1a, 'second type'),
      hex('28 ff ff ff ff ff ff ff ff ff 01'), // Severity -1
      hex('40 80 80 80 80 80 80 80 80 80 01'), // Pid INT64_MIN
      str(0x4a, 'hôst'),
      field(str(0x0a, 'n'), str(0x22, 'second n')),
    );
    expect(readMessageLazily(bytes)).toBeInstanceOf(LazyMessage);
    const m = expectAgreement(bytes)!;
    expect(m.type).toBe('second type');
    expect(readMessageField(m, 'i', 0, 3)).toBe(2);
    expect(readMessageField(m, 'n', 1)).toBe('second n');
    expect(readMessageField(m, 'renamed')).toBe('v');
    expect(readMessageField(m, 'v')).toBe(10000);
  });

  it('on field names and values beyond ASCII, and INTEGERs beyond 2^53', () => {
    const bytes = encodeMessage({
      uuid: new Uint8Array(16),
      timestamp: 5n,
      fields: [
        { name: 'größe', valueType: ValueType.STRING, representation: '', value: ['ü', '日本'] },
        { name: 'big', valueType: ValueType.INTEGER, representation: '', value: [2n ** 60n, -(2n ** 62n), 3] },
        { name: 'blob', valueType: ValueType.BYTES, representation: '', value: [Uint8Array.of(0, 255), new Uint8Array(0)] },
      ],
    });
    const m = expectAgreement(bytes)!;
    expect(readMessageField(m, 'größe', 0, 1)).toBe('日本');
    expect(readMessageField(m, 'big', 0, 0)).toBe(2n ** 60n);
  });

  it('leaves unknown tags and long keys to decodeMessage (same result)', () => {
    for (const extra of [hex('58 01'), hex('61 00 00 00 00 00 00 00 00'), hex('6a 01 00'), hex('75 00 00 00 00'), hex('f8 01 05')]) {
      const bytes = concatBytes(UUID, TS, extra, field(str(0x0a, 'a'), str(0x22, 'b')));
      const m = expectAgreement(bytes)!;
      expect(m).not.toBeInstanceOf(LazyMessage);
      expect(readMessageField(m, 'a')).toBe('b');
    }
    const inField = concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('48 01'), str(0x22, 'b')));
    expect(readMessageField(expectAgreement(inField)!, 'a')).toBe('b');
  });
});

describe('readMessageLazily rejects what decodeMessage rejects, with its error', () => {
  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['no Uuid', TS],
    ['no Timestamp', UUID],
    ['short Uuid', concatBytes(hex('0a 0f'), new Uint8Array(15), TS)],
    ['Uuid as varint', concatBytes(hex('08 01'), TS)],
    ['Timestamp as bytes', concatBytes(UUID, hex('12 01 00'))],
    ['truncated Timestamp', concatBytes(UUID, hex('10 80'))],
    ['11-byte varint', concatBytes(UUID, hex('10 80 80 80 80 80 80 80 80 80 80 01'))],
    ['length past the end', concatBytes(UUID, TS, hex('1a 05 61'))],
    ['huge length', concatBytes(UUID, TS, hex('1a ff ff ff ff 0f 61'))],
    ['invalid UTF-8 in Type', concatBytes(UUID, TS, str(0x1a, hex('c3 28')))],
    ['surrogate in Hostname', concatBytes(UUID, TS, str(0x4a, hex('ed a0 80')))],
    ['overlong UTF-8 in Logger', concatBytes(UUID, TS, str(0x22, hex('c0 80')))],
    ['tag 0', concatBytes(UUID, TS, hex('00 01'))],
    ['group wire type', concatBytes(UUID, TS, hex('5b'))],
    ['field without a name', concatBytes(UUID, TS, field(str(0x22, 'v')))],
    ['invalid UTF-8 in a field name', concatBytes(UUID, TS, field(str(0x0a, hex('ff'))))],
    ['invalid UTF-8 in a value', concatBytes(UUID, TS, field(str(0x0a, 'a'), str(0x22, hex('e2 82'))))],
    ['invalid UTF-8 in a representation', concatBytes(UUID, TS, field(str(0x0a, 'a'), str(0x1a, hex('80'))))],
    ['unknown value_type', concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('10 05')))],
    ['value_type and values disagree', concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('10 02'), str(0x22, 'x')))],
    ['values of two types', concatBytes(UUID, TS, field(str(0x0a, 'a'), str(0x22, 'x'), hex('30 01')))],
    ['packed doubles not a multiple of 8', concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('10 03 3a 04 00 00 00 00')))],
    ['truncated double', concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('10 03 39 00 00')))],
    ['truncated packed varint', concatBytes(UUID, TS, field(str(0x0a, 'a'), hex('10 02 32 01 80')))],
    ['field longer than the record', concatBytes(UUID, TS, hex('52 7f 0a 01 61'))],
    ['value running past its field', concatBytes(UUID, TS, hex('52 05 0a 01 61 22 05'), text('abcde'))],
  ];
  for (const [what, bytes] of bad) {
    it(what, () => {
      expect(() => decodeMessage(bytes)).toThrow();
      expectAgreement(bytes);
    });
  }

  it('rejects a record over the maximum size', () => {
    const big = encodeMessage({ uuid: new Uint8Array(16), timestamp: 0n, payload: 'x'.repeat(60_000), fields: [] });
    expectAgreement(concatBytes(big, str(0x4a, 'x'.repeat(100)), str(0x4a, 'x'.repeat(100)), new Uint8Array(6000).fill(0x20)));
  });

  it('agrees on every cut of sample and edge messages', () => {
    const records = [...sampleMessages(3, 9), ...edgeMessages()].map((m) => encodeMessage(m));
    for (const r of records) {
      // Every cut in the first 600 bytes, then every 7th (long payloads).
      for (let cut = 0; cut < r.length; cut += cut < 600 ? 1 : 7) expectAgreement(r, 0, cut);
    }
  });

  it('agrees on randomly corrupted records (flipped, inserted and deleted bytes)', () => {
    const rng = createRng(41);
    const records = [...sampleMessages(40, 11), ...edgeMessages()].map((m) => encodeMessage(m));
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      const r = Array.from(records[Math.floor(rng() * records.length)]);
      const edits = 1 + Math.floor(rng() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rng() * r.length);
        const kind = rng();
        // Small values hit keys, lengths and value types; any byte hits the rest.
        const byte = rng() < 0.5 ? Math.floor(rng() * 16) : Math.floor(rng() * 256);
        if (kind < 0.6) r[at] = byte;
        else if (kind < 0.8) r.splice(at, 0, byte);
        else r.splice(at, 1);
      }
      if (expectAgreement(Uint8Array.from(r))) accepted++;
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2900);
  });
});

describe('LazyMessage', () => {
  it('stays correct when many are kept (positions spill into new arena chunks)', () => {
    const messages = sampleMessages(3000, 21);
    const records = messages.map((m) => encodeMessage(m));
    const lazy = records.map((r) => readMessageLazily(r));
    lazy.forEach((l, i) => {
      expect(l).toBeInstanceOf(LazyMessage);
      expect(l.type).toBe(messages[i].type);
      expect(readMessageField(l, 'docType')).toBe(readField(messages[i], 'docType'));
      expect(l.timestamp).toBe(messages[i].timestamp);
    });
  });

  it('copies Uuid and BYTES values out of the bytes it reads', () => {
    const bytes = encodeMessage({
      uuid: new Uint8Array(16).fill(7),
      timestamp: 1n,
      fields: [{ name: 'b', valueType: ValueType.BYTES, representation: '', value: [Uint8Array.of(1, 2)] }],
    });
    const m = readMessageLazily(bytes) as LazyMessage;
    const uuid = m.uuid;
    const b = readMessageField(m, 'b') as Uint8Array;
    uuid[0] = 99;
    b[0] = 99;
    expect(bytes.includes(99)).toBe(false);
    expect(m.bytes).toEqual(bytes);
    expect(m.message()).toEqual(decodeMessage(bytes));
  });
});
