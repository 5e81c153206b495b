import { describe, expect, it } from 'vitest';
import { completeFrameEnd, frameMessage, frameMessageStart, readFrame, readFrames, resyncOffset } from './framing';
import { MAX_MESSAGE_SIZE, MessageError } from './message';
import { concatBytes as concat } from './fixtures/bytes';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('frameMessage', () => {
  it('writes lua_sandbox header bytes for a short message', () => {
    // lsb_write_heka_header: 0x1e, hlen = varint length + 1, 0x08, varint, 0x1f
    expect([...frameMessage(bytes(1, 2, 3))]).toEqual([0x1e, 2, 0x08, 3, 0x1f, 1, 2, 3]);
  });

  it('uses a multi-byte varint for longer messages', () => {
    const msg = new Uint8Array(300).fill(7);
    const framed = frameMessage(msg);
    expect([...framed.subarray(0, 6)]).toEqual([0x1e, 3, 0x08, 0xac, 0x02, 0x1f]);
    expect(framed.length).toBe(306);
    const big = new Uint8Array(MAX_MESSAGE_SIZE);
    expect([...frameMessage(big).subarray(0, 7)]).toEqual([0x1e, 4, 0x08, 0x80, 0x80, 0x04, 0x1f]);
  });

  it('rejects empty and oversize messages', () => {
    expect(() => frameMessage(new Uint8Array(0))).toThrow(MessageError);
    expect(() => frameMessage(new Uint8Array(MAX_MESSAGE_SIZE + 1))).toThrow(/65537 bytes/);
  });
});

describe('readFrame', () => {
  it('reads records back with subarrays and next offsets', () => {
    for (const len of [1, 127, 128, 16383, 16384, MAX_MESSAGE_SIZE]) {
      const msg = new Uint8Array(len).map((_, i) => i % 251);
      const framed = frameMessage(msg);
      const r = readFrame(framed, 0);
      expect(r.kind).toBe('record');
      if (r.kind !== 'record') continue;
      expect(r.next).toBe(framed.length);
      expect(r.message).toEqual(msg);
      expect(r.message.buffer).toBe(framed.buffer);
    }
  });

  it('reports incomplete at every cut of a record', () => {
    const framed = frameMessage(new Uint8Array(200).fill(0x41));
    for (let cut = 0; cut < framed.length; cut++) {
      expect(readFrame(framed.subarray(0, cut), 0)).toEqual({ kind: 'incomplete' });
    }
  });

  it('accepts a non-minimal length varint and extra header fields (Heka HMAC etc.)', () => {
    // length 3 as 0x83 0x00, then an unknown header field 2 = 5
    const rec = bytes(0x1e, 5, 0x08, 0x83, 0x00, 0x10, 0x05, 0x1f, 9, 8, 7);
    const r = readFrame(rec, 0);
    expect(r).toMatchObject({ kind: 'record', next: 11 });
    if (r.kind === 'record') expect([...r.message]).toEqual([9, 8, 7]);
  });

  it('flags corrupt headers and points at the next 0x1e', () => {
    const cases: [Uint8Array, RegExp, number][] = [
      [bytes(0x41, 0x42, 0x1e, 2, 8, 1, 0x1f, 5), /expected record separator/, 2],
      [bytes(0x1e, 2, 8, 1, 0x20, 5, 0x1e), /not followed by 0x1f/, 6],
      [bytes(0x1e, 2, 0x10, 1, 0x1f, 5), /does not start with the length field/, 6],
      [bytes(0x1e, 0, 0x1f, 1), /too short/, 4],
      [bytes(0x1e, 40, 0x1e, 2, 8), /does not start with the length field/, 2],
      [bytes(0x1e, 2, 8, 0x81, 0x1f, 5), /truncated length/, 6],
      [bytes(0x1e, 2, 8, 0, 0x1f), /empty message/, 5],
      [bytes(0x1e, 4, 8, 0x81, 0x80, 0x04, 0x1f, 0x1e), /larger than 65536/, 7],
    ];
    for (const [buf, reason, next] of cases) {
      const r = readFrame(buf, 0);
      expect(r.kind).toBe('corrupt');
      if (r.kind === 'corrupt') {
        expect(r.reason).toMatch(reason);
        expect(r.next).toBe(next);
      }
    }
  });

  it('resyncs after garbage between records, like lsb_find_heka_message', () => {
    const a = frameMessage(bytes(1));
    const b = frameMessage(bytes(2, 2));
    const c = frameMessage(bytes(3, 3, 3));
    const garbage = bytes(0x00, 0x1e, 0x09, 0xff, 0x1e);
    const stream = concat(a, garbage, b, bytes(0x77), c, frameMessage(bytes(4)).subarray(0, 4));
    const results = [...readFrames(stream)];
    const records = results.filter((r) => r.kind === 'record').map((r) => (r.kind === 'record' ? [...r.message] : []));
    expect(records).toEqual([[1], [2, 2], [3, 3, 3]]);
    expect(results.at(-1)).toEqual({ kind: 'incomplete' });
    expect(results.filter((r) => r.kind === 'corrupt').length).toBeGreaterThan(0);
  });

  it('does not mistake a stray 0x1e before a record near the end for a long record', () => {
    // 0x1e 0x1e would claim a 30-byte header; the byte after it is not 0x08.
    const stream = concat(bytes(0x1e), frameMessage(bytes(5, 6)));
    const kinds = [...readFrames(stream)].map((r) => r.kind);
    expect(kinds).toEqual(['corrupt', 'record']);
  });

  it('resyncOffset finds the next separator or the end', () => {
    const buf = bytes(0x1e, 1, 0x1e, 2);
    expect(resyncOffset(buf, 0)).toBe(2);
    expect(resyncOffset(buf, 2)).toBe(4);
  });
});

describe('completeFrameEnd, the reader\'s per-record check', () => {
  it('agrees with readFrame at every offset of records, cuts, corrupted bytes and garbage', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces: Uint8Array[] = [];
    for (let k = 0; k < 60; k++) {
      const len = [1, 5, 127, 128, 300, 16384][rnd(6)];
      const framed = frameMessage(new Uint8Array(len).map(() => rnd(256)));
      if (rnd(4) === 0) framed[rnd(6)] = [0x1e, 0x1f, 0x08, 0x00, 0xff, 2][rnd(6)]; // a damaged header
      pieces.push(rnd(5) === 0 ? framed.subarray(0, rnd(framed.length)) : framed);
      if (rnd(3) === 0) pieces.push(Uint8Array.from([0x1e, 0x1e, rnd(256), 0x08, 0x1f]));
    }
    // Header extra fields (lua_sandbox ignores them): readFrame takes them, completeFrameEnd leaves them to it.
    pieces.push(bytes(0x1e, 4, 0x08, 2, 0x10, 1, 0x1f, 9, 9));
    const buf = concat(...pieces);
    let records = 0;
    for (let o = 0; o < buf.length; o++) {
      const r = readFrame(buf, o);
      const end = completeFrameEnd(buf, o);
      if (r.kind === 'record' && end >= 0) {
        records++;
        expect(end).toBe(r.next);
        expect(frameMessageStart(buf, o)).toBe(r.message.byteOffset - buf.byteOffset);
      } else if (end >= 0) {
        throw new Error(`completeFrameEnd accepted what readFrame calls ${r.kind} at ${o}`);
      } else if (r.kind === 'record') {
        // Only a header with fields after the length is left to readFrame.
        let varintBytes = 1;
        while (buf[o + 2 + varintBytes] >= 0x80) varintBytes++;
        expect(buf[o + 1]).toBeGreaterThan(1 + varintBytes);
      }
    }
    expect(records).toBeGreaterThan(10);
    expect(completeFrameEnd(buf, buf.length - 2)).toBe(-1);
  });
});
