import { describe, expect, it } from 'vitest';
import { createRng } from '../inputs/sample-messages';
import { firstInvalidUtf8, orRange, validUtf8, validUtf8Run } from './utf8';

const text = (s: string) => new TextEncoder().encode(s);

describe('validUtf8', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decodes = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };

  it('agrees with the fatal TextDecoder on every sequence of one or two bytes and every three-byte sequence starting E0..EF or F0..F4', () => {
    const b = new Uint8Array(4);
    for (let x = 0; x < 256; x++) {
      b[0] = x;
      expect(validUtf8(b, 0, 1)).toBe(decodes(b.subarray(0, 1)));
      for (let y = 0; y < 256; y++) {
        b[1] = y;
        if (validUtf8(b, 0, 2) !== decodes(b.subarray(0, 2))) throw new Error(`disagree on ${x} ${y}`);
        if (x >= 0xe0 && x <= 0xf4) {
          for (let z = 0x70; z < 0xd0; z++) {
            b[2] = z;
            if (validUtf8(b, 0, 3) !== decodes(b.subarray(0, 3))) throw new Error(`disagree on ${x} ${y} ${z}`);
          }
        }
      }
    }
  });

  it('agrees with the fatal TextDecoder on random byte strings around valid UTF-8', () => {
    const rng = createRng(7);
    const samples = ['héllo wörld', '日本語のテキスト', '😀🎉 ok', '\uFEFFbom', 'plain ascii'].map((t) => text(t));
    let valid = 0;
    for (let round = 0; round < 20000; round++) {
      const b = Array.from(samples[Math.floor(rng() * samples.length)]);
      for (let e = Math.floor(rng() * 3); e > 0; e--) {
        const at = Math.floor(rng() * (b.length + 1));
        const byte = rng() < 0.7 ? 0x80 + Math.floor(rng() * 0x80) : Math.floor(rng() * 256);
        if (rng() < 0.5) b[at] = byte;
        else if (rng() < 0.5) b.splice(at, 0, byte);
        else b.splice(at, 1);
      }
      const bytes = Uint8Array.from(b);
      const want = decodes(bytes);
      if (validUtf8(bytes, 0, bytes.length) !== want) throw new Error(`disagree on ${Array.from(bytes, (x) => x.toString(16)).join(' ')}`);
      if ((firstInvalidUtf8(bytes) === -1) !== want) throw new Error(`firstInvalidUtf8 disagrees on ${Array.from(bytes, (x) => x.toString(16)).join(' ')}`);
      // The same bytes inside a larger buffer, at a shifting offset, checked as a run.
      const shift = round & 7;
      const backing = new Uint8Array(bytes.length + 16).fill(0xff);
      backing.set(bytes, 4 + shift);
      const view = backing.subarray(1);
      const words = new Int32Array(backing.buffer, 0, backing.length >> 2);
      if (validUtf8Run(view, words, 1, 3 + shift, 3 + shift + bytes.length) !== want) throw new Error(`validUtf8Run disagrees on ${Array.from(bytes, (x) => x.toString(16)).join(' ')}`);
      if (want) valid++;
    }
    expect(valid).toBeGreaterThan(2000);
    expect(valid).toBeLessThan(18000);
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first bad byte', () => {
    expect(firstInvalidUtf8(text('héllo €𝄞'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.of(0x41, 0xff))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.of(0x41, 0xe2, 0x82))).toBe(1); // truncated
    expect(firstInvalidUtf8(Uint8Array.of(0xc0, 0x80))).toBe(0); // overlong
    expect(firstInvalidUtf8(Uint8Array.of(0xf4, 0x90, 0x80, 0x80))).toBe(0); // beyond U+10FFFF
    expect(firstInvalidUtf8(Uint8Array.of(0x41, 0xed, 0xa0, 0x80))).toBe(1); // a surrogate
  });
});

describe('orRange', () => {
  it('has a high bit set exactly when a byte of the range has one, for every range, at every byte offset of the view', () => {
    const disagreements: string[] = [];
    const backing = new Uint8Array(48);
    const words = new Int32Array(backing.buffer);
    for (let off = 0; off < 4; off++) {
      const view = backing.subarray(off);
      for (let high = -1; high < view.length; high++) {
        backing.fill(0x7f);
        if (high >= 0) view[high] = 0x80;
        for (let from = 0; from < view.length; from++) {
          for (let to = from; to <= view.length; to++) {
            const found = (orRange(view, words, off, from, to) & 0x80808080) !== 0;
            if (found !== (high >= from && high < to)) disagreements.push(`off=${off} high=${high} [${from}, ${to})`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});
