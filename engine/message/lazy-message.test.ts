import { describe, expect, it } from 'vitest';
import { createRng, sampleMessages } from '../inputs/sample-messages';
import { ByteLiteral } from './byte-literal';
import { concatBytes } from './fixtures/bytes';
import { edgeMessages } from './fixtures/edge-messages';
import { HEADER_NAMES, readField, readHeader, type HeaderName } from './fields';
import { generalScanCount, LazyMessage, readMessageField, readMessageLazily, STRING_HEADER_SLOTS, timestampMillis } from './lazy-message';
import { ValueType, type FieldValue, type Message } from './message';
import { decodeMessage, encodeMessage } from './protobuf';

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const text = (s: string) => new TextEncoder().encode(s);
const UUID = hex('0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f');
const TS = hex('10 01');
/** A field entry (tag 10) around `body`. */
/** n as a varint (a length). */
const varint = (n: number) => {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Uint8Array.from(out);
};
const field = (...parts: Uint8Array[]) => {
  const body = concatBytes(...parts);
  return concatBytes(Uint8Array.of(0x52), varint(body.length), body);
};
const str = (key: number, s: string | Uint8Array) => {
  const b = typeof s === 'string' ? text(s) : s;
  return concatBytes(Uint8Array.of(key), varint(b.length), b);
};

/** `s` with its i-th UTF-16 unit changed (to another ASCII letter, or from a non-ASCII unit to 'x'). */
const changedAt = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);

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
  if (!Object.is(timestampMillis(l), Number(d.timestamp / 1_000_000n))) differences.push(`timestampMillis: ${timestampMillis(l)} vs ${d.timestamp}`);
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
  // Fields[name] == literal compared in place, against readField's answer.
  if (l instanceof LazyMessage) {
    for (const name of names) {
      const v = readField(d, name, 0, 0);
      const literals = ['', 'x', 'main', '\uD800', '\uFFFD'];
      // Besides the value itself: one character longer or shorter, and one
      // changed at its start, middle and end (each word of the compare).
      if (typeof v === 'string') literals.push(v, `${v}x`, v.slice(0, -1), ...[0, v.length >> 1, v.length - 1].map((i) => changedAt(v, i)));
      if (v instanceof Uint8Array) literals.push(new TextDecoder().decode(v), Buffer.from(v).toString('latin1'));
      for (const lit of literals) {
        const litBytes = new TextEncoder().encode(lit);
        const want = v === lit || (v instanceof Uint8Array && sameValue(v, litBytes));
        const utf8 = (lit as unknown as { isWellFormed(): boolean }).isWellFormed() ? litBytes : undefined;
        if (l.fieldEquals(name, utf8 && new ByteLiteral(utf8), new ByteLiteral(litBytes)) !== want) differences.push(`Fields[${name}] == ${JSON.stringify(lit)}: ${!want} vs ${want}`);
      }
    }
  }
  // String headers == literal and the lookup among literals, in place, against the decoded header.
  if (l instanceof LazyMessage) {
    for (const [name, slot] of Object.entries(STRING_HEADER_SLOTS)) {
      const v = readHeader(d, name as HeaderName) as string | undefined;
      const literals = ['', 'x', 'telemetry', '\uFFFD'];
      if (v !== undefined) literals.push(v, `${v}x`, v.slice(0, -1), ...[0, v.length >> 1, v.length - 1].map((i) => changedAt(v, i)));
      const wellFormed = literals.filter((lit) => (lit as unknown as { isWellFormed(): boolean }).isWellFormed());
      const utf8 = wellFormed.map((lit) => new ByteLiteral(text(lit)));
      wellFormed.forEach((lit, i) => {
        if (l.headerEquals(slot, utf8[i]) !== (v === lit)) differences.push(`${name} == ${JSON.stringify(lit)}: ${v !== lit} vs ${v === lit}`);
      });
      const at = l.headerIndexIn(slot, utf8);
      if (at !== wellFormed.indexOf(v as string)) differences.push(`${name} among literals: ${at} vs ${wellFormed.indexOf(v as string)}`);
      // Prefixes (the reserved-Logger check): the literals above and prefixes of the header (short, word-sized, half).
      const prefixes = [...wellFormed, 'analysis.', ...(v === undefined ? [] : [1, 3, 4, 5, v.length >> 1, v.length - 1].map((k) => v.slice(0, k)))];
      for (const pre of prefixes) {
        if (!(pre as unknown as { isWellFormed(): boolean }).isWellFormed()) continue;
        const want = v !== undefined && Buffer.from(v, 'utf8').subarray(0, text(pre).length).equals(text(pre)) && text(v).length >= text(pre).length;
        if (l.headerStartsWith(slot, new ByteLiteral(text(pre))) !== want) differences.push(`${name} starts with ${JSON.stringify(pre)}: ${!want} vs ${want}`);
      }
    }
  }
  expect(differences).toEqual([]);
  expect(l.fields).toEqual(d.fields);
  return l;
}

describe('readMessageLazily agrees with decodeMessage', () => {
  it('on sample messages, read in place (never through the fallback) by the fast scan', () => {
    const general = generalScanCount();
    for (const m of sampleMessages(300, 3)) {
      const bytes = encodeMessage(m);
      expect(readMessageLazily(bytes)).toBeInstanceOf(LazyMessage);
      expectAgreement(bytes);
    }
    expect(generalScanCount()).toBe(general);
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

  it('on records packed back to back in one chunk, read as (chunk, start, end) and as subarrays of it, at every alignment', () => {
    // How file chunks, transcoder arenas and worker batches hand records over.
    const records = [...sampleMessages(8, 9), ...edgeMessages()].map((m) => encodeMessage(m));
    for (let pad = 0; pad < 4; pad++) {
      const chunk = concatBytes(new Uint8Array(pad), ...records);
      let at = pad;
      for (const r of records) {
        expectAgreement(chunk, at, at + r.length);
        expectAgreement(chunk.subarray(at, at + r.length));
        expectAgreement(chunk.subarray(at - pad), pad, pad + r.length);
        at += r.length;
      }
    }
  });

  it('on Timestamps around zero, 2^53 ns and the int64 extremes: as a double as Number rounds them, in milliseconds as BigInt division truncates them', () => {
    const stamps = [2n ** 54n + 2n, 2n ** 54n + 6n, 2n ** 53n + 3n, -(2n ** 53n) - 1n, -(2n ** 54n) - 2n, 0n, 1n, -1n, 999_999n, 1_000_000n, -999_999n, -1_000_000n, -1_000_001n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 1_795_000_000_123_456_789n];
    const rng = createRng(5);
    for (let k = 0; k < 200; k++) stamps.push(BigInt.asIntN(64, (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32))));
    for (let k = 0; k < 200; k++) stamps.push(1_795_000_000_000_000_000n + BigInt(Math.floor(rng() * 2 ** 48)) * 997n);
    for (const timestamp of stamps) {
      const bytes = encodeMessage({ uuid: new Uint8Array(16), timestamp, fields: [] });
      const m = readMessageLazily(bytes);
      expect(m).toBeInstanceOf(LazyMessage);
      expect(timestampMillis(m)).toBe(Number(timestamp / 1_000_000n));
      expect(timestampMillis(decodeMessage(bytes))).toBe(Number(timestamp / 1_000_000n));
      expect((m as LazyMessage).timestampNumber()).toBe(Number(timestamp));
      expect(readHeader(m, 'Timestamp')).toBe(Number(timestamp));
    }
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

  it('on Fields[name] == literal in place: a real U+FFFD, BYTES, numbers, no values', () => {
    const bytes = concatBytes(
      UUID,
      TS,
      field(str(0x0a, 'fffd'), str(0x22, '\uFFFD')), // equals '\uFFFD' but not '\uD800' (whose encoding is the same bytes)
      field(str(0x0a, 'blob'), hex('10 01'), str(0x2a, hex('ef bf bd'))), // BYTES: equals both literals' bytes
      field(str(0x0a, 'packed'), hex('10 02 32 02 05 06')),
      field(str(0x0a, 'num'), hex('10 02 30 07')),
      field(str(0x0a, 'none'), hex('10 00')),
    );
    const m = readMessageLazily(bytes);
    if (!(m instanceof LazyMessage)) throw new Error('expected the record read in place');
    expectAgreement(bytes);
    const eq = (name: string, lit: string) => {
      const b = new TextEncoder().encode(lit);
      return m.fieldEquals(name, (lit as unknown as { isWellFormed(): boolean }).isWellFormed() ? new ByteLiteral(b) : undefined, new ByteLiteral(b));
    };
    expect([eq('fffd', '\uFFFD'), eq('fffd', '\uD800')]).toEqual([true, false]);
    expect([eq('blob', '\uFFFD'), eq('blob', '\uD800'), eq('blob', '')]).toEqual([true, true, false]);
    expect([eq('packed', '5'), eq('num', '7'), eq('none', ''), eq('absent', '')]).toEqual([false, false, false, false]);
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

/** Whether readMessageLazily read `bytes` through its general scan (else its fast one). */
function readByGeneralScan(bytes: Uint8Array): boolean {
  const before = generalScanCount();
  try {
    readMessageLazily(bytes);
  } catch {
    // rejected: which scan saw it is still the question
  }
  return generalScanCount() !== before;
}

describe('the fast scan of the common layout, and where it hands over to the general scan', () => {
  /** A record as encodeMessage lays it out: Uuid, Timestamp, string headers, then `fields`. */
  const common = (...fields: Uint8Array[]) => concatBytes(UUID, hex('10 80 80 80 80 80 80 80 80 01'), str(0x1a, 'telemetry'), ...fields);

  it('reads every value type in the common layout: one- and many-byte varints, doubles, BOOLs, BYTES, explicit STRING value_type, a representation without value_type', () => {
    const bytes = common(
      field(str(0x0a, 's'), str(0x22, 'a'), str(0x22, 'b')),
      field(str(0x0a, 't'), hex('10 00'), str(0x22, 'explicit')),
      field(str(0x0a, 'r'), str(0x1a, 'ms'), str(0x22, 'with representation')),
      field(str(0x0a, 'i'), hex('10 02 1a 01 42 30 05 30 ff ff ff ff ff ff ff ff ff 01 30 90 4e')),
      field(str(0x0a, 'd'), hex('10 03 39 00 00 00 00 00 00 f0 3f 39 00 00 00 00 00 00 00 80')),
      field(str(0x0a, 'b'), hex('10 04 40 01 40 00 40 80 01')),
      field(str(0x0a, 'y'), hex('10 01'), str(0x2a, hex('ff 00 80')), str(0x2a, new Uint8Array(200).fill(0xee))),
      field(str(0x0a, 'empty')),
    );
    const m = expectAgreement(bytes)!;
    expect(m).toBeInstanceOf(LazyMessage);
    expect(readByGeneralScan(bytes)).toBe(false);
    expect(readMessageField(m, 's', 0, 1)).toBe('b');
    expect(readMessageField(m, 't')).toBe('explicit');
    expect(readMessageField(m, 'r')).toBe('with representation');
    expect(readMessageField(m, 'i', 0, 1)).toBe(-1);
    expect(readMessageField(m, 'i', 0, 2)).toBe(10000);
    expect(readMessageField(m, 'd', 0, 1)).toBe(-0);
    expect(readMessageField(m, 'b', 0, 2)).toBe(true);
    expect((readMessageField(m, 'y', 0, 1) as Uint8Array).length).toBe(200);
  });

  it('reads lengths of two bytes (long headers, fields and values) and leaves longer ones to the general scan', () => {
    for (const n of [127, 128, 300, 16383, 16384, 20000]) {
      const long = 'x'.repeat(n);
      // Payload, a field value, and the field around it (a field of 127 bytes or more has a longer length too).
      const bytes = concatBytes(UUID, TS, str(0x32, long), field(str(0x0a, 'v'), str(0x22, long)), field(str(0x0a, 'w'), str(0x22, 'short')));
      const m = expectAgreement(bytes)!;
      expect(m).toBeInstanceOf(LazyMessage);
      // A length of three bytes (the field's, 16384 or more) leaves the record to the general scan.
      expect(readByGeneralScan(bytes)).toBe(concatBytes(str(0x0a, 'v'), str(0x22, long)).length >= 0x4000);
      expect(m.payload).toBe(long);
      expect(readMessageField(m, 'v')).toBe(long);
      expect(readMessageField(m, 'w')).toBe('short');
    }
    // A two-byte length written with a redundant zero (85 00 is 5): still a length of 5.
    const redundant = concatBytes(UUID, TS, hex('1a 85 00'), text('abcde'), field(str(0x0a, 'n'), hex('22 83 00'), text('xyz')));
    const m = expectAgreement(redundant)!;
    expect(readByGeneralScan(redundant)).toBe(false);
    expect(m.type).toBe('abcde');
    expect(readMessageField(m, 'n')).toBe('xyz');
  });

  it('hands unusual field layouts to the general scan: name not first, two names (the last wins), a long name, repeated value_type, packed values', () => {
    const layouts = [
      field(str(0x22, 'v'), str(0x0a, 'late')),
      field(str(0x0a, 'first'), str(0x22, 'v'), str(0x0a, 'second')),
      field(str(0x0a, 'first'), str(0x0a, 'second'), str(0x22, 'v')),
      field(hex('0a 80 01'), text('x'.repeat(128)), str(0x22, 'v')),
      field(str(0x0a, 'n'), hex('10 02 10 02 30 01')),
      field(str(0x0a, 'n'), str(0x1a, 'a'), hex('10 02 30 01')),
      field(str(0x0a, 'n'), hex('10 02 32 03 01 02 03')),
      field(str(0x0a, 'n'), hex('10 82 00 30 01')),
    ];
    for (const f of layouts) {
      const bytes = common(field(str(0x0a, 'before'), str(0x22, 'b')), f, field(str(0x0a, 'after'), str(0x22, 'a')));
      const m = expectAgreement(bytes)!;
      expect(m).toBeInstanceOf(LazyMessage);
      expect(readByGeneralScan(bytes)).toBe(true);
      expect(readMessageField(m, 'before')).toBe('b');
      expect(readMessageField(m, 'after')).toBe('a');
    }
    const twoNames = readMessageLazily(common(field(str(0x0a, 'first'), str(0x22, 'v'), str(0x0a, 'second'))));
    expect(readMessageField(twoNames, 'second')).toBe('v');
    expect(readMessageField(twoNames, 'first')).toBeUndefined();
  });

  it('keeps the last of repeated headers, and reads absent ones as undefined', () => {
    const bytes = concatBytes(UUID, TS, str(0x1a, 'a'), str(0x4a, 'h1'), hex('28 03'), str(0x1a, 'bb'), hex('28 05'), str(0x4a, 'h2'), TS, UUID);
    const m = expectAgreement(bytes)!;
    expect(m).toBeInstanceOf(LazyMessage);
    expect(readByGeneralScan(bytes)).toBe(false);
    expect([m.type, m.hostname, m.severity, m.logger, m.payload, m.envVersion, m.pid]).toEqual(['bb', 'h2', 5, undefined, undefined, undefined, undefined]);
  });

  it('reads text beyond ASCII itself, and leaves invalid UTF-8 in a name, value or header of an otherwise common record to the general scan', () => {
    const good = common(field(str(0x0a, 'größe'), str(0x22, '日本')), field(str(0x0a, 'n'), hex('10 02 30 90 4e')), str(0x4a, '😀'));
    expect(readMessageField(expectAgreement(good)!, 'größe')).toBe('日本');
    expect(readByGeneralScan(good)).toBe(false);
    for (const bad of [
      common(field(str(0x0a, hex('c3')), str(0x22, 'v'))),
      common(field(str(0x0a, 'n'), str(0x22, hex('ff')))),
      common(field(str(0x0a, 'n'), str(0x1a, hex('ed a0 80')), str(0x22, 'v'))),
      concatBytes(common(), str(0x4a, hex('e2 82'))),
      // A sequence cut by the end of its string, the next key completing it in bytes if not in meaning.
      common(field(str(0x0a, 'n'), str(0x22, hex('e2 82')), hex('22 01 ac'))),
    ]) {
      expect(() => decodeMessage(bad)).toThrow();
      expectAgreement(bad);
      expect(readByGeneralScan(bad)).toBe(true);
    }
  });

  it('decides UTF-8 as decodeMessage does at every edge of the encoding, in a header, a name and a value', () => {
    const sequences = [
      'c2 80', 'df bf', 'c0 80', 'c1 bf', 'e0 a0 80', 'e0 9f bf', 'ed 9f bf', 'ed a0 80', 'ee 80 80', 'ef bf bf', 'ef bb bf',
      'f0 90 80 80', 'f0 8f bf bf', 'f4 8f bf bf', 'f4 90 80 80', 'f5 80 80 80', 'ff', '80', 'bf', 'c2', 'e1 80', 'f1 80 80',
      'c2 41', 'e1 80 41', 'f1 80 80 41', 'c2 c2 80', 'e1 c0 80',
    ];
    for (const seq of sequences) {
      const t = concatBytes(text('a'), hex(seq), text('z'));
      for (const bytes of [
        common(str(0x4a, t)),
        common(str(0x4a, hex(seq))),
        common(field(str(0x0a, t), str(0x22, 'v'))),
        common(field(str(0x0a, 'n'), str(0x22, hex(seq)))),
        common(field(str(0x0a, 'n'), str(0x22, t)), field(str(0x0a, 'i'), hex('10 02 30 90 4e'))),
      ]) {
        expectAgreement(bytes);
      }
    }
  });
});

describe('text beyond ASCII after and before ASCII stretches (skipped a word at a time), at every alignment', () => {
  it('agrees with decodeMessage whatever the sequence, where it falls in a word, and what follows it', () => {
    const sequences = ['c3 a9', 'e2 82 ac', 'f0 9f 98 80', 'ed a0 80', 'c3', 'e2 82', 'f0 9f 98', '80'];
    let accepted = 0;
    for (const seq of sequences) {
      for (let before = 0; before < 8; before++) {
        for (const after of [0, 1, 5, 12]) {
          const t = concatBytes(text('x'.repeat(before)), hex(seq), text('y'.repeat(after)));
          const record = concatBytes(UUID, TS, str(0x1a, 'telemetry'), str(0x4a, t), field(str(0x0a, 'n'), str(0x22, t)));
          for (let shift = 0; shift < 4; shift++) {
            const joined = new Uint8Array(shift + record.length + 3);
            joined.set(record, shift);
            if (expectAgreement(joined, shift, shift + record.length)) accepted++;
          }
        }
      }
    }
    expect(accepted).toBe(4 * 8 * 4 * 3); // the three valid sequences
  });
});

describe('the run check of the fast scan', () => {
  it('checks exactly the record: bytes beyond ASCII just outside it are ignored, inside it are found, at every alignment', () => {
    const record = encodeMessage(sampleMessages(1, 5)[0]);
    // Text positions near both ends: the first byte of the Type and the last byte of the record (a field value).
    const typeAt = record.indexOf(0x1a) + 2;
    for (let before = 0; before < 8; before++) {
      for (let after = 0; after < 8; after++) {
        const joined = new Uint8Array(before + record.length + after).fill(0xff);
        joined.set(record, before);
        const m = expectAgreement(joined, before, before + record.length)!;
        expect(m).toBeInstanceOf(LazyMessage);
        const general = generalScanCount();
        readMessageLazily(joined, before, before + record.length);
        expect(generalScanCount()).toBe(general); // the neighbours' bytes were not taken for the record's
        for (const at of [typeAt, record.length - 1]) {
          const bad = joined.slice();
          bad[before + at] = 0x80;
          expectAgreement(bad, before, before + record.length);
          expectAgreement(bad.subarray(before >> 1), before - (before >> 1), before - (before >> 1) + record.length);
        }
      }
    }
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
  /** A field body of exactly `size` bytes: a name and one STRING value. */
  const fieldBody = (size: number) => {
    for (let k = size; k >= 0; k--) {
      const body = concatBytes(str(0x0a, 'n'), str(0x22, 'x'.repeat(k)));
      if (body.length === size) return body;
    }
    throw new Error(`no field body of ${size} bytes`);
  };
  // A length one byte more than there is, written in one, two and three bytes (the fast scan reads up to two).
  for (const n of [10, 200, 20000]) {
    const xs = 'x'.repeat(n - 1);
    const afterValue = field(str(0x0a, 'z'), str(0x22, 'v'));
    bad.push(
      [`header length ${n}, one past the record`, concatBytes(UUID, TS, hex('32'), varint(n), text(xs))],
      [`value length ${n}, one past its field`, concatBytes(UUID, TS, hex('52'), varint(n + 2 + varint(n).length), str(0x0a, 'n'), hex('22'), varint(n), text(xs), afterValue)],
      [`value length ${n}, one past its field, the last field`, concatBytes(UUID, TS, hex('52'), varint(n + 2 + varint(n).length), str(0x0a, 'n'), hex('22'), varint(n), text(xs))],
      [`field length ${n}, one past the record`, concatBytes(UUID, TS, hex('52'), varint(n), fieldBody(n - 1))],
    );
  }
  // A representation of 128 bytes (a two-byte length): misread as a one-byte
  // length, its last byte and what follows would read as INTEGER values; read
  // right, a STRING value runs past the field. (The text-run check also stops
  // that misreading: the length's first byte is not ASCII.)
  bad.push([
    'representation of two-byte length followed by a value running past its field',
    concatBytes(UUID, TS, field(str(0x0a, 'n'), hex('10 02'), str(0x1a, `${'x'.repeat(127)}0`), hex('22 30 30 30 01'))),
  ]);
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
