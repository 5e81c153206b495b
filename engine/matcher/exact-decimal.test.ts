import { describe, expect, it } from 'vitest';
import { bigintComparison, exactDecimal, type RelationalOp } from './exact-decimal';

describe('exactDecimal', () => {
  it('gives floor and fractional flag exactly', () => {
    expect(exactDecimal('0')).toEqual({ floor: 0n, fractional: false });
    expect(exactDecimal('-0')).toEqual({ floor: 0n, fractional: false });
    expect(exactDecimal('0.000')).toEqual({ floor: 0n, fractional: false });
    expect(exactDecimal('42')).toEqual({ floor: 42n, fractional: false });
    expect(exactDecimal('+42')).toEqual({ floor: 42n, fractional: false });
    expect(exactDecimal('1.5')).toEqual({ floor: 1n, fractional: true });
    expect(exactDecimal('-1.5')).toEqual({ floor: -2n, fractional: true });
    expect(exactDecimal('-2.0')).toEqual({ floor: -2n, fractional: false });
    expect(exactDecimal('1.428773426113040228e18')).toEqual({ floor: 1428773426113040228n, fractional: false });
    expect(exactDecimal('1.4287734261130402285e18')).toEqual({ floor: 1428773426113040228n, fractional: true });
    expect(exactDecimal('9223372036854775807')).toEqual({ floor: 9223372036854775807n, fractional: false });
    expect(exactDecimal('25e-1')).toEqual({ floor: 2n, fractional: true });
    expect(exactDecimal('2500e-2')).toEqual({ floor: 25n, fractional: false });
    expect(exactDecimal('1e-300')).toEqual({ floor: 0n, fractional: true });
    expect(exactDecimal('-1e-300')).toEqual({ floor: -1n, fractional: true });
  });

  it('clamps huge magnitudes beyond any int64 without building them', () => {
    expect(exactDecimal('1e999999999').floor).toBe(10n ** 40n);
    expect(exactDecimal('-1e999999999').floor).toBe(-(10n ** 40n));
    expect(exactDecimal('1e-999999999')).toEqual({ floor: 0n, fractional: true });
  });

  it('rejects non-literals', () => {
    expect(() => exactDecimal('1.')).toThrow();
    expect(() => exactDecimal('abc')).toThrow();
  });

  it('bigintComparison agrees with rational arithmetic', () => {
    const ops: RelationalOp[] = ['==', '!=', '<', '<=', '>', '>='];
    const literals = ['-2.5', '-2', '-1.5', '0', '0.5', '1', '1.5', '2', '2e0', '25e-1'];
    for (const text of literals) {
      const [num, den] = text === '25e-1' ? [25n, 10n] : text === '2e0' ? [2n, 1n] : rational(text);
      for (const op of ops) {
        const test = bigintComparison(op, exactDecimal(text));
        for (let v = -4n; v <= 4n; v++) {
          const lhs = v * den;
          const expected = { '==': lhs === num, '!=': lhs !== num, '<': lhs < num, '<=': lhs <= num, '>': lhs > num, '>=': lhs >= num }[op];
          expect(test(v), `${v} ${op} ${text}`).toBe(expected);
        }
      }
    }
  });
});

function rational(text: string): [bigint, bigint] {
  const [i, f = ''] = text.split('.');
  const den = 10n ** BigInt(f.length);
  return [BigInt(i + f), den];
}
