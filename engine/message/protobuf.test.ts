import { describe, expect, it } from 'vitest';
import { createRng, sampleMessages } from '../inputs/sample-messages';
import { edgeMessages, INT64_MAX, INT64_MIN } from './fixtures/edge-messages';
import { frameMessage, readFrame, readFrames } from './framing';
import { MAX_MESSAGE_SIZE, MessageError, ValueType, type Message } from './message';
import { decodeMessage, encodedSize, encodeMessage, utf8Length } from './protobuf';

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const concat = (...parts: (Uint8Array | number[])[]) => {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
};

/**
 * A message as lua_sandbox's heka_encode_message_table writes it, byte by
 * byte from the wire format (not from our encoder), with the message it means.
 */
const HINDSIGHT_BYTES = concat(
  hex('0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f'), // 1 Uuid, 16 bytes
  hex('10 95 da d4 98 a0 b0 d7 e5 17'), // 2 Timestamp 1714566896123456789
  hex('1a 01 74'), // 3 Type "t"
  hex('22 02 6c 67'), // 4 Logger "lg"
  hex('28 06'), // 5 Severity 6
  hex('32 06 68 c3 a9 6c 6c 6f'), // 6 Payload "héllo"
  hex('3a 01 31'), // 7 EnvVersion "1"
  hex('40 d2 09'), // 8 Pid 1234
  hex('4a 01 68'), // 9 Hostname "h"
  // 10 Fields: name, value_type (absent for STRING), representation, values
  hex('52 0c  0a 01 73  1a 01 72  22 01 61  22 01 62'), // "s" STRING rep "r" ["a","b"]
  hex('52 09  0a 01 62  10 01  2a 02 00 ff'), // "b" BYTES [00 ff]
  hex('52 10  0a 01 69  10 02  30 ff ff ff ff ff ff ff ff ff 01'), // "i" INTEGER -1, unpacked
  hex('52 13  0a 02 69 61  10 02  32 0b 01 ac 02 81 80 80 80 80 80 80 10'), // "ia" [1, 300, 2^53+1] packed
  hex('52 12  0a 01 64  10 03  1a 02 6d 73  39 00 00 00 00 00 00 f8 3f'), // "d" DOUBLE rep "ms" 1.5
  hex(
    '52 20  0a 02 64 61  10 03  3a 18' + // "da" DOUBLE packed [Infinity, -0, NaN]
      ' 00 00 00 00 00 00 f0 7f  00 00 00 00 00 00 00 80  00 00 00 00 00 00 f8 7f',
  ),
  hex('52 08  0a 02 62 6f  10 04  40 01'), // "bo" BOOL true, unpacked
  hex('52 0b  0a 02 62 61  10 04  42 03 01 00 01'), // "ba" BOOL packed [true, false, true]
  hex('52 05  0a 01 65  22 00'), // "e" STRING [""]
  hex('52 88 01  0a 01 70  22 82 01'), // "p" STRING, 130 chars: multi-byte lengths
  ascii('x'.repeat(130)),
);

const HINDSIGHT_MESSAGE: Message = {
  uuid: Uint8Array.from({ length: 16 }, (_, i) => i),
  timestamp: 1714566896123456789n,
  type: 't',
  logger: 'lg',
  severity: 6,
  payload: 'héllo',
  envVersion: '1',
  pid: 1234,
  hostname: 'h',
  fields: [
    { name: 's', valueType: ValueType.STRING, representation: 'r', value: ['a', 'b'] },
    { name: 'b', valueType: ValueType.BYTES, representation: '', value: [Uint8Array.of(0, 255)] },
    { name: 'i', valueType: ValueType.INTEGER, representation: '', value: [-1] },
    { name: 'ia', valueType: ValueType.INTEGER, representation: '', value: [1, 300, 2n ** 53n + 1n] },
    { name: 'd', valueType: ValueType.DOUBLE, representation: 'ms', value: [1.5] },
    { name: 'da', valueType: ValueType.DOUBLE, representation: '', value: [Infinity, -0, NaN] },
    { name: 'bo', valueType: ValueType.BOOL, representation: '', value: [true] },
    { name: 'ba', valueType: ValueType.BOOL, representation: '', value: [true, false, true] },
    { name: 'e', valueType: ValueType.STRING, representation: '', value: [''] },
    { name: 'p', valueType: ValueType.STRING, representation: '', value: ['x'.repeat(130)] },
  ],
};

// Offsets where a top-level entry ends, from the Timestamp on (cutting there leaves a valid message).
const TOP_LEVEL_ENDS = (() => {
  const lens = [18, 10, 3, 4, 2, 8, 3, 3, 3, 14, 11, 18, 21, 20, 34, 10, 13, 7, 139];
  const ends: number[] = [];
  let at = 0;
  for (const l of lens) ends.push((at += l));
  return new Set(ends.slice(1));
})();

function expectMessageError(fn: () => unknown, pattern?: RegExp): MessageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MessageError);
    if (pattern) expect((err as Error).message).toMatch(pattern);
    return err as MessageError;
  }
  throw new Error('expected a MessageError');
}

function allMessages(): Message[] {
  return [...edgeMessages(), HINDSIGHT_MESSAGE, ...sampleMessages(300, 7)];
}

describe('decodeMessage on Hindsight-written bytes', () => {
  it('the hand-made bytes have the expected total length', () => {
    expect(HINDSIGHT_BYTES.length).toBe(341);
    expect([...TOP_LEVEL_ENDS].at(-1)).toBe(341);
  });

  it('decodes to the expected message', () => {
    expect(decodeMessage(HINDSIGHT_BYTES)).toEqual(HINDSIGHT_MESSAGE);
  });

  it('re-encodes byte-identically', () => {
    expect(encodeMessage(decodeMessage(HINDSIGHT_BYTES))).toEqual(HINDSIGHT_BYTES);
    expect(encodeMessage(HINDSIGHT_MESSAGE)).toEqual(HINDSIGHT_BYTES);
    expect(encodedSize(HINDSIGHT_MESSAGE)).toBe(HINDSIGHT_BYTES.length);
  });

  it('reads a framed Hindsight stream with garbage between records', () => {
    // lsb_write_heka_header: 1e, header length 3, 08, varint 341 (d5 02), 1f
    const record = concat(hex('1e 03 08 d5 02 1f'), HINDSIGHT_BYTES);
    expect(frameMessage(HINDSIGHT_BYTES)).toEqual(record);
    const stream = concat(record, hex('00 1e 05 1f ff'), record, hex('1e 03 08'));
    const results = [...readFrames(stream)];
    const decoded = results.flatMap((r) => (r.kind === 'record' ? [decodeMessage(r.message)] : []));
    expect(decoded).toEqual([HINDSIGHT_MESSAGE, HINDSIGHT_MESSAGE]);
    expect(results.at(-1)).toEqual({ kind: 'incomplete' });
  });
});

describe('decodeMessage on other writers', () => {
  it('accepts Go Heka style: explicit STRING value_type, unpacked repeated numbers, any tag order', () => {
    const bytes = concat(
      hex('10 05'), // Timestamp before Uuid
      hex('0a 10 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff'),
      hex('52 08  0a 01 73  10 00  22 01 61'), // value_type 0 written out
      hex('52 0b  0a 01 69  10 02  30 01  30 02  30 03'), // unpacked repeated integers
      hex('52 0b  0a 01 62  40 01  42 02 00 01  10 04'), // bools unpacked then packed, value_type last
      hex('52 18  0a 01 64  10 03  39 00 00 00 00 00 00 f0 3f  3a 08 00 00 00 00 00 00 00 40'),
    );
    const m = decodeMessage(bytes);
    expect(m.timestamp).toBe(5n);
    expect(m.fields).toEqual([
      { name: 's', valueType: ValueType.STRING, representation: '', value: ['a'] },
      { name: 'i', valueType: ValueType.INTEGER, representation: '', value: [1, 2, 3] },
      { name: 'b', valueType: ValueType.BOOL, representation: '', value: [true, false, true] },
      { name: 'd', valueType: ValueType.DOUBLE, representation: '', value: [1, 2] },
    ]);
  });

  it('skips unknown tags of every wire type, at message and field level', () => {
    const bytes = concat(
      hex('0a 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  10 01'),
      hex('58 96 01'), // 11 varint
      hex('61 01 02 03 04 05 06 07 08'), // 12 fixed64
      hex('6a 02 aa bb'), // 13 length-delimited
      hex('75 01 02 03 04'), // 14 fixed32
      hex('52 0b  0a 01 6e  48 07  52 02 cc dd  22 00'), // field tags 9 and 10 unknown
    );
    const m = decodeMessage(bytes);
    expect(m.fields).toEqual([{ name: 'n', valueType: ValueType.STRING, representation: '', value: [''] }]);
  });

  it('keeps a field with no values', () => {
    const bytes = concat(hex('0a 10'), new Array(16).fill(1), hex('10 01  52 05 0a 01 7a 10 02'));
    expect(decodeMessage(bytes).fields).toEqual([
      { name: 'z', valueType: ValueType.INTEGER, representation: '', value: [] },
    ]);
  });
});

describe('round trips', () => {
  it('encode -> decode -> encode is stable for every test message', () => {
    for (const m of allMessages()) {
      const bytes = encodeMessage(m);
      expect(encodedSize(m)).toBe(bytes.length);
      const back = decodeMessage(bytes);
      expect(back).toEqual(m);
      expect(encodeMessage(back)).toEqual(bytes);
    }
  });

  it('keeps int64 extremes exact and uses numbers only when safe', () => {
    const m = decodeMessage(encodeMessage(edgeMessages()[7]));
    const ints = m.fields.find((f) => f.name === 'ints')!.value;
    expect(ints.slice(-4)).toEqual([2n ** 53n, -(2n ** 53n), INT64_MIN, INT64_MAX]);
    expect(ints.slice(0, 10).every((v) => typeof v === 'number')).toBe(true);
    expect(decodeMessage(encodeMessage(edgeMessages()[2])).timestamp).toBe(INT64_MIN);
  });

  it('encodes integral numbers beyond 2^53 given as numbers', () => {
    const m: Message = {
      uuid: new Uint8Array(16),
      timestamp: 0n,
      fields: [{ name: 'n', valueType: ValueType.INTEGER, representation: '', value: [2 ** 60, -(2 ** 62)] }],
    };
    expect(decodeMessage(encodeMessage(m)).fields[0].value).toEqual([2n ** 60n, -(2n ** 62n)]);
  });

  it('survives framing', () => {
    const records = allMessages().map((m) => frameMessage(encodeMessage(m)));
    const stream = concat(...records);
    let offset = 0;
    for (const m of allMessages()) {
      const r = readFrame(stream, offset);
      if (r.kind !== 'record') throw new Error(`expected a record at ${offset}`);
      expect(decodeMessage(r.message)).toEqual(m);
      offset = r.next;
    }
    expect(offset).toBe(stream.length);
  });

  it('utf8Length agrees with TextEncoder', () => {
    for (const s of ['', 'abc', 'é', '€', '🎉', 'a🎉b€é', '\u07ff\u0800\uffff']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});

describe('decodeMessage errors', () => {
  it('every cut of a message is a MessageError unless it ends a complete top-level entry', () => {
    for (let cut = 0; cut < HINDSIGHT_BYTES.length; cut++) {
      const part = HINDSIGHT_BYTES.subarray(0, cut);
      if (TOP_LEVEL_ENDS.has(cut)) {
        expect(() => decodeMessage(part)).not.toThrow();
      } else {
        expectMessageError(() => decodeMessage(part));
      }
    }
  });

  it('cuts of sample messages never crash', () => {
    for (const m of [...sampleMessages(20, 3), ...edgeMessages().slice(0, 8)]) {
      const bytes = encodeMessage(m);
      for (let cut = 0; cut < bytes.length; cut++) {
        try {
          decodeMessage(bytes.subarray(0, cut));
        } catch (err) {
          expect(err).toBeInstanceOf(MessageError);
        }
      }
    }
  });

  it('random corruption gives a message or a MessageError, never another exception', () => {
    const rng = createRng(99);
    const base = [...sampleMessages(20, 5), ...edgeMessages().slice(0, 8)].map(encodeMessage);
    let errors = 0;
    for (let i = 0; i < 4000; i++) {
      const bytes = base[i % base.length].slice();
      const flips = 1 + Math.floor(rng() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(rng() * bytes.length)] = Math.floor(rng() * 256);
      try {
        decodeMessage(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(MessageError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });

  const UUID = '0a 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';

  it('names the header or field with invalid UTF-8', () => {
    expectMessageError(() => decodeMessage(hex(`${UUID} 10 01 1a 02 c3 28`)), /^Type: invalid UTF-8 .* at byte 22/);
    // overlong encoding and a UTF-16 surrogate encoded in UTF-8 are invalid too
    expectMessageError(() => decodeMessage(hex(`${UUID} 10 01 4a 02 c0 80`)), /^Hostname: invalid UTF-8/);
    expectMessageError(() => decodeMessage(hex(`${UUID} 10 01 32 03 ed a0 80`)), /^Payload: invalid UTF-8/);
    const err = expectMessageError(
      () => decodeMessage(hex(`${UUID} 10 01 52 03 0a 01 61  52 03 0a 01 62  52 03 0a 01 63  52 0b 0a 03 75 72 6c 22 04 68 74 74 ff`)),
      /invalid UTF-8/,
    );
    expect(err.message).toMatch(/^Fields\[3\] 'url' value\[0\]: invalid UTF-8 in the 4 bytes at byte \d+/);
    expect(err.path).toBe("Fields[3] 'url' value[0]");
    expectMessageError(() => decodeMessage(hex(`${UUID} 10 01 52 04 0a 02 ff fe`)), /^Fields\[0\]\.name: invalid UTF-8/);
  });

  it('rejects bad wire types, lengths, tags and values with positions', () => {
    const cases: [string, RegExp][] = [
      ['08 01 10 01', /^Uuid: wire type 0 at byte 0, expected 2/],
      ['0a 0f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 01', /Uuid must be 16 bytes, got 15 at byte 0/],
      ['10 01', /missing Uuid/],
      [UUID, /missing Timestamp/],
      [`${UUID} 12 01 00`, /^Timestamp: wire type 2 at byte 18/],
      [`${UUID} 10 01 1a 05 61`, /^Type: length 5 at byte 20 runs past the end \(1 bytes left\)/],
      [`${UUID} 10 ff ff ff ff ff ff ff ff ff ff 01`, /^Timestamp: varint longer than 10 bytes/],
      [`${UUID} 10 01 5b 00`, /^tag 11: unsupported wire type 3 \(start group\) at byte 20/],
      [`${UUID} 10 01 00`, /invalid tag 0 at byte 20/],
      [`${UUID} 10 01 52 05 0a 01 61 10 05`, /^Fields\[0\] 'a': unknown value_type 5/],
      [`${UUID} 10 01 52 05 0a 01 61 10 ff`, /^Fields\[0\] 'a' value_type: truncated at byte 27/],
      [`${UUID} 10 01 52 05 0a 01 61 30 01`, /^Fields\[0\] 'a': value_type is STRING but the values are INTEGER \(tag 6\)/],
      [`${UUID} 10 01 52 08 0a 01 61 10 02 22 01 62`, /value_type is INTEGER but the values are STRING/],
      [`${UUID} 10 01 52 09 0a 01 61 10 02 30 01 22 00`, /^Fields\[0\] 'a': has values of two types \(tags 6 and 4\)/],
      [`${UUID} 10 01 52 0a 0a 01 61 10 03 3a 03 00 00 00`, /packed doubles length 3 is not a multiple of 8/],
      [`${UUID} 10 01 52 07 0a 01 61 10 03 39 00`, /^Fields\[0\] 'a' value\[0\]: truncated at byte 28/],
      [`${UUID} 10 01 52 08 0a 01 61 10 02 32 02 80`, /runs past the end/],
      [`${UUID} 10 01 52 08 0a 01 61 10 02 32 01 80`, /^Fields\[0\] 'a' value\[0\]: truncated at byte 30/],
      [`${UUID} 10 01 52 02 22 00`, /^Fields\[0\]: field has no name/],
      [`${UUID} 10 01 52 03 0a 01`, /^Fields\[0\]: length 3 at byte 20 runs past the end/],
      [`${UUID} 10 01 52 02 30 01`, /^Fields\[0\]: field has no name/],
      [`${UUID} 10 01 52 04 0a 00 09 00`, /^Fields\[0\]\.name: wire type 1 at byte 24, expected 2/],
      [`${UUID} 10 01 80`, /truncated key at byte 21/],
      [`${UUID} 10 01 28 80`, /^Severity: truncated at byte 22/],
      [`${UUID} 10 01 80 80 80 80 80 80 01`, /invalid key at byte 20/],
    ];
    for (const [bytes, pattern] of cases) expectMessageError(() => decodeMessage(hex(bytes)), pattern);
  });

  it('rejects input larger than the maximum message size', () => {
    expectMessageError(() => decodeMessage(new Uint8Array(MAX_MESSAGE_SIZE + 1)), /65537 bytes, more than the 65536/);
  });

  it('copies Uuid and BYTES out of the input buffer', () => {
    const bytes = encodeMessage(HINDSIGHT_MESSAGE);
    const m = decodeMessage(bytes);
    bytes.fill(0);
    expect(m).toEqual(HINDSIGHT_MESSAGE);
  });
});

describe('encodeMessage errors', () => {
  const base = (): Message => ({ uuid: new Uint8Array(16), timestamp: 1n, fields: [] });
  const withField = (valueType: number, value: unknown[]): Message => ({
    ...base(),
    fields: [
      { name: 'ok', valueType: ValueType.STRING, representation: '', value: ['x'] },
      { name: 'f', valueType: valueType as ValueType, representation: '', value: value as never },
    ],
  });

  it('rejects values that do not fit their field', () => {
    expectMessageError(() => encodeMessage(withField(ValueType.INTEGER, [1, 1.5])), /^Fields\[1\]\.value\[1\]: expected an integer, got 1.5/);
    expectMessageError(() => encodeMessage(withField(ValueType.INTEGER, [2n ** 63n])), /outside the int64 range/);
    expectMessageError(() => encodeMessage(withField(ValueType.INTEGER, [2 ** 63])), /outside the int64 range/);
    expectMessageError(() => encodeMessage(withField(ValueType.INTEGER, ['1'])), /expected an integer, got string/);
    expectMessageError(() => encodeMessage(withField(ValueType.STRING, [1])), /^Fields\[1\]\.value\[0\]: expected a string, got number/);
    expectMessageError(() => encodeMessage(withField(ValueType.BYTES, ['aGk='])), /expected a Uint8Array, got string/);
    expectMessageError(() => encodeMessage(withField(ValueType.DOUBLE, [1n])), /expected a number, got bigint/);
    expectMessageError(() => encodeMessage(withField(ValueType.BOOL, [1])), /expected a boolean, got number/);
    expectMessageError(() => encodeMessage(withField(9, [1])), /^Fields\[1\]: unknown value_type 9/);
    expectMessageError(() => encodeMessage(withField(ValueType.STRING, ['\ud800'])), /lone surrogate/);
  });

  it('rejects bad headers', () => {
    expectMessageError(() => encodeMessage({ ...base(), uuid: new Uint8Array(15) }), /^Uuid: must be 16 bytes, got 15/);
    expectMessageError(() => encodeMessage({ ...base(), timestamp: 1 as unknown as bigint }), /^Timestamp: must be a bigint/);
    expectMessageError(() => encodeMessage({ ...base(), severity: 1.5 }), /^Severity: expected an integer/);
    expectMessageError(() => encodeMessage({ ...base(), pid: NaN }), /^Pid: expected an integer/);
    expectMessageError(() => encodeMessage({ ...base(), hostname: 5 as unknown as string }), /^Hostname: expected a string/);
    expectMessageError(() => encodeMessage({ ...base(), type: 'a\udc00b' }), /^Type: contains a lone surrogate/);
  });

  it('enforces the maximum size exactly', () => {
    const overhead = encodeMessage({ ...base(), payload: '' }).length; // 18 + 2 + 2
    const payloadLen = MAX_MESSAGE_SIZE - overhead - 2; // the length varint grows to 3 bytes
    const atLimit = { ...base(), payload: 'a'.repeat(payloadLen) };
    expect(encodeMessage(atLimit).length).toBe(MAX_MESSAGE_SIZE);
    expect(encodedSize(atLimit)).toBe(MAX_MESSAGE_SIZE);
    expect(decodeMessage(encodeMessage(atLimit))).toEqual(atLimit);
    expectMessageError(() => encodeMessage({ ...base(), payload: 'a'.repeat(payloadLen + 1) }), /larger than the 65536/);
    expectMessageError(() => encodeMessage({ ...base(), payload: '€'.repeat(30000) }), /larger than the 65536/);
    const bigField = withField(ValueType.DOUBLE, new Array(9000).fill(1));
    expectMessageError(() => encodeMessage(bigField), /larger than the 65536/);
    const manyFields: Message = {
      ...base(),
      fields: Array.from({ length: 7000 }, () => ({ name: 'abcdefgh', valueType: ValueType.BOOL, representation: '', value: [true] })),
    };
    expectMessageError(() => encodeMessage(manyFields), /larger than the 65536/);
    // the shared scratch buffer is fine afterwards
    expect(decodeMessage(encodeMessage(HINDSIGHT_MESSAGE))).toEqual(HINDSIGHT_MESSAGE);
  });
});

describe('decodeMessage on a Node Buffer', () => {
  it('copies Uuid and BYTES values out of the input', async () => {
    const { ValueType } = await import('./message');
    const m = {
      uuid: new Uint8Array(16).fill(7),
      timestamp: 5n,
      fields: [{ name: 'b', valueType: ValueType.BYTES, representation: '', value: [new Uint8Array([1, 2, 3])] }],
    };
    const buf = Buffer.from(encodeMessage(m));
    const decoded = decodeMessage(buf);
    buf.fill(0);
    expect(Array.from(decoded.uuid)).toEqual(new Array(16).fill(7));
    expect(Array.from(decoded.fields[0].value[0] as Uint8Array)).toEqual([1, 2, 3]);
  });
});
