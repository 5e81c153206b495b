import { describe, expect, it } from 'vitest';
import { readField } from '../message/fields';
import { ValueType } from '../message/message';
import { sampleMessages } from './sample-messages';

describe('sampleMessages', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = sampleMessages(50, 7);
    expect(sampleMessages(50, 7)).toEqual(a);
    expect(sampleMessages(50, 8)).not.toEqual(a);
  });

  it('has a skewed telemetry mix with main most common and some non-telemetry', () => {
    const counts = new Map<string, number>();
    let other = 0;
    for (const m of sampleMessages(20_000)) {
      if (m.type !== 'telemetry') other++;
      else {
        const dt = String(readField(m, 'docType'));
        counts.set(dt, (counts.get(dt) ?? 0) + 1);
      }
    }
    expect([...counts.keys()].sort()).toEqual(['core', 'crash', 'event', 'health', 'main', 'modules', 'new-profile']);
    const main = counts.get('main')!;
    for (const [k, v] of counts) if (k !== 'main') expect(v).toBeLessThan(main / 3);
    expect(other / 20_000).toBeGreaterThan(0.08);
    expect(other / 20_000).toBeLessThan(0.16);
  });

  it('produces well-typed fields with 16-byte uuids and increasing timestamps', () => {
    const msgs = sampleMessages(2_000, 3);
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i];
      expect(m.uuid.length).toBe(16);
      if (i > 0) expect(m.timestamp > msgs[i - 1].timestamp - 1_000_000n).toBe(true);
      for (const f of m.fields) {
        expect(f.value.length).toBeGreaterThan(0);
        for (const v of f.value) {
          const t = typeof v;
          const expected = { [ValueType.STRING]: 'string', [ValueType.INTEGER]: 'number', [ValueType.DOUBLE]: 'number', [ValueType.BOOL]: 'boolean', [ValueType.BYTES]: 'object' }[f.valueType];
          expect(t).toBe(expected);
          if (f.valueType === ValueType.INTEGER) expect(Number.isInteger(v)).toBe(true);
        }
      }
    }
  });
});
