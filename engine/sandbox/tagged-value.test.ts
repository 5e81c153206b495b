import { describe, expect, it } from 'vitest';
import { decodeTagged, encodeTagged, TaggedValueError } from './tagged-value';

describe('tagged values (host side)', () => {
  it('round-trips what decode_message produces', () => {
    const value = {
      Uuid: 'ab',
      Timestamp: 1.5e18,
      Fields: [
        { name: 'b', value_type: 1, value: [new Uint8Array([0, 255, 16])] },
        { name: 'd', value_type: 3, value: [NaN, -0, Infinity, -Infinity, 2.5] },
        { name: 'u', value: [undefined, null, true, 'x"\n'] },
      ],
    };
    const back = decodeTagged(encodeTagged(value)) as typeof value;
    expect(back.Fields[0].value[0]).toEqual(new Uint8Array([0, 255, 16]));
    const d = back.Fields[1].value as number[];
    expect(Number.isNaN(d[0]) && Object.is(d[1], -0) && d[2] === Infinity && d[3] === -Infinity && d[4] === 2.5).toBe(true);
    expect(back.Fields[2].value).toEqual([undefined, null, true, 'x"\n']);
    expect(back.Timestamp).toBe(1.5e18);
  });

  it('decodes every tag the VM writes', () => {
    const text = JSON.stringify([
      'A',
      0,
      ['b', '-9007199254740993'],
      ['M', 1, 'k', ['S', 2, 1, 2]],
      ['D', 3, 86400000],
      ['T', 4, 'Float64Array', '000000000000f03f'],
      ['AB', 5, '0102'],
      ['X', 6, 'a+', 'gi'],
      ['O', 7, '__proto__', 1, 'self', ['R', 7]],
    ]);
    const [big, map, date, f64, ab, re, obj] = decodeTagged(text) as unknown[];
    expect(big).toBe(-9007199254740993n);
    expect(map).toEqual(new Map([['k', new Set([1, 2])]]));
    expect(date).toEqual(new Date(86400000));
    expect(f64).toEqual(new Float64Array([1]));
    expect(new Uint8Array(ab as ArrayBuffer)).toEqual(new Uint8Array([1, 2]));
    expect(re).toEqual(/a+/gi);
    const o = obj as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype); // "__proto__" stayed a plain key
    expect(Object.hasOwn(o, '__proto__')).toBe(true);
    expect(o.self).toBe(o);
  });

  it('rejects malformed input and, when asked, cycles', () => {
    expect(() => decodeTagged('{')).toThrow(TaggedValueError);
    expect(() => decodeTagged('[1,2]')).toThrow(/untagged array/);
    expect(() => decodeTagged('["Q",0]')).toThrow(/unknown tag "Q"/);
    expect(() => decodeTagged('["R",3]')).toThrow(/unknown object 3/);
    expect(() => decodeTagged('["A",0,["A",0]]')).toThrow(/repeated object id/);
    expect(() => decodeTagged('["T",0,"Uint8Array","zz"]')).toThrow(/bad hex/);
    expect(() => decodeTagged('["O",0,"a",["R",0]]', { rejectCycles: true })).toThrow(/cycle/);
    // A shared (non-cyclic) reference is fine.
    expect(decodeTagged('["A",0,["O",1],["R",1]]', { rejectCycles: true })).toEqual([{}, {}]);
  });
});
