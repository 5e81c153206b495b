import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from './time';

describe('parseRfc3339', () => {
  it('parses UTC times with full fractional precision', () => {
    expect(parseRfc3339('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseRfc3339('2024-05-01T12:34:56Z')).toBe(BigInt(Date.UTC(2024, 4, 1, 12, 34, 56)) * 1_000_000n);
    expect(parseRfc3339('2024-05-01T12:34:56.123456789Z')).toBe(1714566896123456789n);
    expect(parseRfc3339('2024-05-01T12:34:56.1Z')).toBe(1714566896100000000n);
    expect(parseRfc3339('2024-05-01t12:34:56.000000001z')).toBe(1714566896000000001n);
    // digits beyond nanoseconds are truncated
    expect(parseRfc3339('2024-05-01T12:34:56.1234567899999Z')).toBe(1714566896123456789n);
  });

  it('applies offsets', () => {
    expect(parseRfc3339('1999-05-05T23:23:59.217-07:00')).toBe(
      BigInt(Date.UTC(1999, 4, 6, 6, 23, 59, 217)) * 1_000_000n,
    );
    expect(parseRfc3339('2024-05-01T12:34:56+05:30')).toBe(parseRfc3339('2024-05-01T07:04:56Z'));
    expect(parseRfc3339('2024-05-01T00:00:00-00:00')).toBe(parseRfc3339('2024-05-01T00:00:00Z'));
  });

  it('handles dates before the epoch, leap days and leap seconds', () => {
    expect(parseRfc3339('1969-12-31T23:59:59.5Z')).toBe(-500_000_000n);
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toBe(-62135596800n * 1_000_000_000n);
    expect(parseRfc3339('2000-02-29T00:00:00Z')).toBe(BigInt(Date.UTC(2000, 1, 29)) * 1_000_000n);
    expect(parseRfc3339('2016-12-31T23:59:60Z')).toBe(parseRfc3339('2017-01-01T00:00:00Z'));
  });

  it('rejects anything else', () => {
    for (const s of [
      '',
      '2024-05-01',
      '2024-05-01T12:34:56',
      '2024-05-01 12:34:56Z',
      '2024-5-01T12:34:56Z',
      '2024-05-01T12:34:56.Z',
      '2024-05-01T12:34:56+0530',
      '2024-13-01T00:00:00Z',
      '2024-00-01T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T23:60:00Z',
      '2024-05-01T23:59:61Z',
      '2024-05-01T00:00:00+24:00',
      '2024-05-01T00:00:00+01:60',
      ' 2024-05-01T00:00:00Z',
      '2024-05-01T00:00:00Z ',
    ]) {
      expect(parseRfc3339(s), s).toBeUndefined();
    }
  });
});

describe('formatRfc3339', () => {
  it('formats the shortest exact fraction and round-trips', () => {
    expect(formatRfc3339(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatRfc3339(1714566896123456789n)).toBe('2024-05-01T12:34:56.123456789Z');
    expect(formatRfc3339(1714566896500000000n)).toBe('2024-05-01T12:34:56.5Z');
    expect(formatRfc3339(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    for (const ns of [0n, -1n, 1n, 951782400000000000n, -62135596800000000000n, 253402300799999999999n]) {
      expect(parseRfc3339(formatRfc3339(ns))).toBe(ns);
    }
  });
});
