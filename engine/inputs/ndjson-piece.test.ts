import { describe, expect, it } from 'vitest';
import { messageToJSON } from '../message/json';
import { packPiece, parsePiece, PieceJoiner, splitAtNewlines, unpackPiece, type PackedPiece } from './ndjson-piece';
import { sampleMessages } from './sample-messages';

const lines = sampleMessages(40, 9).map((m) => JSON.stringify(messageToJSON(m)));

describe('splitAtNewlines', () => {
  it('cuts after newlines only, covering the body exactly once, for bytes and text', () => {
    const text = `${lines.join('\n')}\n\n{"broken`;
    for (const body of [text, Buffer.from(text)]) {
      for (const size of [1, 50, 700, 5000, 1e9]) {
        const cuts = splitAtNewlines(body, size);
        expect(cuts[0][0]).toBe(0);
        expect(cuts[cuts.length - 1][1]).toBe(body.length);
        for (let k = 0; k < cuts.length; k++) {
          const [start, end] = cuts[k];
          expect(end).toBeGreaterThan(start);
          if (k > 0) expect(start).toBe(cuts[k - 1][1]);
          if (end < body.length) expect(typeof body === 'string' ? body[end - 1] : body[end - 1]).toBe(typeof body === 'string' ? '\n' : 0x0a);
        }
      }
    }
    expect(splitAtNewlines('', 10)).toEqual([]);
    expect(splitAtNewlines('no newline at all', 3)).toEqual([[0, 17]]);
  });
});

describe('packPiece / unpackPiece', () => {
  const piece = `${lines.slice(0, 10).join('\n')}\n{"bad\n\n${lines[10]}\n`;
  const parsed = parsePiece(piece, { continuation: true });

  it('round-trips a parsed piece through one buffer', () => {
    expect(parsed.newlines).toBe(13);
    const back = unpackPiece(packPiece(parsed));
    if (typeof back === 'string') throw new Error(back);
    expect(back.newlines).toBe(13);
    expect(back.result.lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13]);
    expect(back.result.lines).toEqual(parsed.result.lines);
    expect(back.result.rejected).toEqual([{ line: 11, reason: expect.any(String) }]);
    expect(back.result.encoded.map((r) => Buffer.from(r).toString('hex'))).toEqual(parsed.result.encoded.map((r) => Buffer.from(r).toString('hex')));
  });

  it('packs records whatever their buffers: back to back, with gaps, out of order, in separate buffers', () => {
    const shared = new Uint8Array(64).map((_, i) => i + 1);
    const encoded = [
      shared.subarray(0, 5), // a run of three back to back
      shared.subarray(5, 9),
      shared.subarray(9, 10),
      shared.subarray(12, 20), // after a gap
      shared.subarray(1, 3), // behind the previous one
      Uint8Array.of(200, 201, 202), // its own buffer
      shared.subarray(20, 22), // back in the shared one, right after 12..20 but not after the last record
      shared.subarray(22, 30),
    ];
    const lines = encoded.map((_, i) => i + 1);
    const back = unpackPiece(packPiece({ result: { encoded, lines, rejected: [], rejectedCount: 0 }, newlines: encoded.length }));
    if (typeof back === 'string') throw new Error(back);
    expect(back.result.encoded.map((r) => [...r])).toEqual(encoded.map((r) => [...r]));
    expect(back.result.lines).toEqual(lines);
  });

  it('names what is wrong with a reply that is not whole and consistent', () => {
    const fresh = () => packPiece(parsed);
    const bad = (edit: (p: PackedPiece) => unknown) => {
      const p = fresh();
      const out = edit(p);
      return unpackPiece(out ?? p);
    };
    expect(unpackPiece(null)).toBe('not an object');
    expect(bad((p) => ({ ...p, buffer: new Uint8Array(4) }))).toBe('no buffer');
    expect(bad((p) => ({ ...p, count: -1 }))).toBe('bad counts');
    expect(bad((p) => ({ ...p, count: 10_000 }))).toMatch(/too short for 10000 records/);
    expect(bad((p) => ({ ...p, rejectedCount: 0 }))).toBe('bad rejections');
    expect(bad((p) => void (new Uint32Array(p.buffer, 0, p.count)[3] = 1))).toMatch(/record 3 ends at 1/);
    expect(bad((p) => void (new Uint32Array(p.buffer, 4 * p.count, p.count)[2] = 99))).toMatch(/record 2 has line 99/);
    expect(bad((p) => ({ ...p, newlines: 3 }))).toMatch(/has line 5, after 4 \(last 4\)/);
    expect(bad((p) => ({ ...p, buffer: concat(p.buffer, 5) }))).toMatch(/5 bytes after the last record/);
    expect(bad((p) => ({ ...p, rejected: [{ line: 0, reason: 'x' }] }))).toBe('bad rejection entry');
  });
});

describe('PieceJoiner', () => {
  it('shifts each piece by the newlines before it and caps the kept rejections', () => {
    const a = parsePiece(`${lines[0]}\n{"x\n\n`, { continuation: false });
    const b = parsePiece(`{"y\n${lines[1]}\n{"z`, { continuation: true });
    const j = new PieceJoiner(10, 2);
    j.add(a);
    j.add(b);
    expect(j.result.lines).toEqual([10, 14]);
    expect(j.result.rejected.map((r) => r.line)).toEqual([11, 13]);
    expect(j.result.rejectedCount).toBe(3);
  });
});

function concat(buffer: ArrayBuffer, extra: number): ArrayBuffer {
  const out = new Uint8Array(buffer.byteLength + extra);
  out.set(new Uint8Array(buffer));
  return out.buffer;
}
