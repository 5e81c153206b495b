/**
 * Exact comparison of an int64 (bigint) with a decimal literal such as
 * "1.428773420000e+18", so Timestamp and large INTEGER fields compare exactly
 * instead of through doubles.
 */

export type RelationalOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** floor(literal) and whether the literal has a fractional part. */
export interface ExactDecimal {
  floor: bigint;
  fractional: boolean;
}

const NUMBER = /^([-+]?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?$/;

// Beyond any int64 (|v| < 2^63 < 10^19): clamping keeps every comparison's answer.
const CLAMP_DIGITS = 40;
const CLAMP = 10n ** BigInt(CLAMP_DIGITS);

/** `text` must be a matcher number literal; throws otherwise. */
export function exactDecimal(text: string): ExactDecimal {
  const m = NUMBER.exec(text);
  if (!m) throw new Error(`not a number literal: ${text}`);
  const negative = m[1] === '-';
  const fracDigits = m[3] ?? '';
  let digits = (m[2] + fracDigits).replace(/^0+/, '');
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (digits === '') return { floor: 0n, fractional: false };
  const exp10 = exponent - fracDigits.length; // value = digits * 10^exp10

  let intPart: bigint;
  let fractional = false;
  if (exp10 >= 0) {
    intPart = digits.length + exp10 > CLAMP_DIGITS ? CLAMP : BigInt(digits) * 10n ** BigInt(exp10);
  } else {
    const keep = digits.length + exp10; // digits left of the point
    if (keep <= 0) {
      intPart = 0n;
      fractional = true; // digits is non-zero
    } else {
      fractional = /[1-9]/.test(digits.slice(keep));
      digits = digits.slice(0, keep);
      intPart = digits.length > CLAMP_DIGITS ? CLAMP : BigInt(digits);
    }
  }
  if (!negative) return { floor: intPart, fractional };
  return { floor: fractional ? -intPart - 1n : -intPart, fractional };
}

/** A predicate `v <op> literal`, exact for any bigint v. */
export function bigintComparison(op: RelationalOp, literal: ExactDecimal): (v: bigint) => boolean {
  const f = literal.floor;
  if (literal.fractional) {
    switch (op) {
      case '==':
        return () => false;
      case '!=':
        return () => true;
      case '<':
      case '<=':
        return (v) => v <= f;
      case '>':
      case '>=':
        return (v) => v > f;
    }
  }
  switch (op) {
    case '==':
      return (v) => v === f;
    case '!=':
      return (v) => v !== f;
    case '<':
      return (v) => v < f;
    case '<=':
      return (v) => v <= f;
    case '>':
      return (v) => v > f;
    case '>=':
      return (v) => v >= f;
  }
}
