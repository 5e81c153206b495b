import { describe, expect, it } from 'vitest';
import { ByteLiteral, literalAt, utf8Literal } from './byte-literal';

/** The plain answer: whether b[at, at + want.length) equals want. */
function naive(b: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let k = 0; k < want.length; k++) if (b[at + k] !== want[k]) return false;
  return true;
}

describe('ByteLiteral', () => {
  it('agrees with a byte-by-byte compare for every length to 20, at every alignment, for a difference at every byte', () => {
    const disagreements: string[] = [];
    // Room before and after, and the haystack itself a view at an odd offset of its buffer.
    const backing = new Uint8Array(64 + 3);
    const b = backing.subarray(3);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let n = 0; n <= 20; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
      const lit = new ByteLiteral(bytes);
      expect(lit.length).toBe(n);
      for (let at = 0; at + n <= b.length; at += 1 + (at >> 3)) {
        b.fill(0xaa);
        b.set(bytes, at);
        if (!literalAt(view, b, at, lit)) disagreements.push(`n=${n} at=${at}: equal bytes not found`);
        for (let k = 0; k < n; k++) {
          b[at + k] ^= 0x80; // a high bit: a sign difference in the word
          if (literalAt(view, b, at, lit) !== naive(b, at, bytes)) disagreements.push(`n=${n} at=${at} changed ${k} (high bit)`);
          b[at + k] ^= 0x81; // and a low one
          if (literalAt(view, b, at, lit) !== naive(b, at, bytes)) disagreements.push(`n=${n} at=${at} changed ${k} (low bit)`);
          b[at + k] ^= 0x01;
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('never reads past the literal: a match at the very end of the bytes', () => {
    const b = new TextEncoder().encode('xx-telemetry');
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect(literalAt(view, b, 3, utf8Literal('telemetry'))).toBe(true);
    expect(literalAt(view, b, 8, utf8Literal('etry'))).toBe(true);
    expect(literalAt(view, b, 9, utf8Literal('try'))).toBe(true);
    expect(literalAt(view, b, 12, utf8Literal(''))).toBe(true);
  });

  it('encodes text as UTF-8 (beyond ASCII too)', () => {
    const b = new TextEncoder().encode('über-ß€𝄞');
    const view = new DataView(b.buffer);
    expect(utf8Literal('über-ß€𝄞').length).toBe(b.length);
    expect(literalAt(view, b, 0, utf8Literal('über-ß€𝄞'))).toBe(true);
    expect(literalAt(view, b, 0, utf8Literal('uber-ß€𝄞x'.slice(0, 9)))).toBe(false);
  });
});
