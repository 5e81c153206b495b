import { describe, expect, it } from 'vitest';
import { cn, formatBytes, formatDuration } from './utils';

describe('formatting helpers', () => {
  it('joins only truthy class names', () => {
    expect(cn('a', false, null, undefined, 'b')).toBe('a b');
  });
  it('picks a readable unit', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatDuration(500)).toBe('500 ns');
    expect(formatDuration(1500)).toBe('1.5 µs');
    expect(formatDuration(2_500_000)).toBe('2.5 ms');
    expect(formatDuration(3_000_000_000)).toBe('3.00 s');
  });
});
