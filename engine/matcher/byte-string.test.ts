import { describe, expect, it } from 'vitest';
import { bytesEqual, bytesInclude, bytesToBinary, compareBytes, compareUtf8, isAscii, utf8Binary, utf8Length } from './byte-string';

const enc = (s: string) => new TextEncoder().encode(s);

describe('byte strings', () => {
  const samples = ['', 'a', 'ab', 'b', 'z', 'é', 'ê', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '😁', '\u{10ffff}', 'a😀', 'a\uffff'];

  it('compareUtf8 agrees with comparing the UTF-8 bytes', () => {
    for (const a of samples) {
      for (const b of samples) {
        expect(Math.sign(compareUtf8(a, b)), `${a} vs ${b}`).toBe(Math.sign(compareBytes(enc(a), enc(b))));
      }
    }
  });

  it('utf8Length and utf8Binary agree with TextEncoder', () => {
    for (const s of [...samples, 'héllo wörld 😀!', '\ud800x']) {
      expect(utf8Length(s), s).toBe(enc(s).length);
      expect(utf8Binary(s), s).toBe(String.fromCharCode(...enc(s)));
    }
    expect(utf8Binary('plain')).toBe('plain');
  });

  it('isAscii', () => {
    expect(isAscii('abc\0\x7f')).toBe(true);
    expect(isAscii('abc\x80')).toBe(false);
    expect(isAscii('')).toBe(true);
  });

  it('bytesToBinary handles large arrays', () => {
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const s = bytesToBinary(big);
    expect(s.length).toBe(70_000);
    expect(s.charCodeAt(69_999)).toBe(69_999 & 0xff);
  });

  it('bytesEqual, compareBytes and bytesInclude', () => {
    expect(bytesEqual(enc('abc'), enc('abc'))).toBe(true);
    expect(bytesEqual(enc('abc'), enc('abd'))).toBe(false);
    expect(bytesEqual(enc('ab'), enc('abc'))).toBe(false);
    expect(compareBytes(enc('ab'), enc('abc'))).toBeLessThan(0);
    expect(compareBytes(new Uint8Array([0xff]), enc('a'))).toBeGreaterThan(0);
    expect(bytesInclude(enc('hello'), enc('ll'))).toBe(true);
    expect(bytesInclude(enc('hello'), enc('lo!'))).toBe(false);
    expect(bytesInclude(enc('hello'), enc('hello'))).toBe(true);
    expect(bytesInclude(enc('hello'), enc('hellos'))).toBe(false);
    expect(bytesInclude(enc(''), enc(''))).toBe(true);
    expect(bytesInclude(enc('aab'), enc('ab'))).toBe(true);
  });
});
