import { describe, expect, it } from 'vitest';
import { MessageRate } from './message-rate';

describe('MessageRate', () => {
  it('is 0 until readings span the minimum, then counts per second over the window', () => {
    const r = new MessageRate(10_000, 2_000);
    expect(r.update(0, 0)).toBe(0);
    // A batch of 50 lands 5 ms later: not 10,000 messages/s.
    expect(r.update(50, 5)).toBe(0);
    expect(r.update(100, 1_000)).toBe(0);
    expect(r.update(200, 2_000)).toBe(100);
    expect(r.update(1_000, 10_000)).toBe(100);
  });

  it('forgets readings older than the window, so a change of pace shows within it', () => {
    const r = new MessageRate(10_000, 2_000);
    for (let t = 0; t <= 20_000; t += 1_000) r.update(t / 10, t); // 100/s
    let rate = 0;
    for (let t = 21_000; t <= 32_000; t += 1_000) rate = r.update(2_000 + (t - 20_000), t); // then 1000/s
    expect(rate).toBeCloseTo(1_000, 0);
  });

  it('keeps the last rate across readings too close together, and starts over when the counter goes back', () => {
    const r = new MessageRate(10_000, 2_000);
    r.update(0, 0);
    expect(r.update(500, 5_000)).toBe(100);
    expect(r.update(500, 5_000)).toBe(100);
    expect(r.update(10, 6_000)).toBe(0);
    expect(r.update(210, 8_000)).toBe(100);
  });
});
