/**
 * Limits are the platform's: each limit key may ask for up to its cap and no
 * more, must be a whole number of its unit, and what a plugin runs with is
 * cut to the caps (stored specs and defaults included).
 */
import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { DEFAULT_LIMITS } from '../sandbox';
import {
  DEFAULT_LIMIT_CAPS,
  effectiveLimits,
  LIMIT_KEYS,
  PluginSpecError,
  resolveLimitCaps,
  validatePluginSpec,
  withEffectiveLimits,
  type LimitKey,
} from './plugin-spec';
import { testPlugin } from './test-plugin';

const spec = (config: Record<string, unknown>) => ({
  owner: 'alice',
  name: 'p',
  code: 'function process_message() { return 0 }',
  config: { message_matcher: 'TRUE', ...config },
});
const caps = DEFAULT_LIMIT_CAPS;

function refusal(fn: () => unknown): PluginSpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PluginSpecError) return err;
    throw err;
  }
  throw new Error('expected a PluginSpecError');
}

describe('limit keys against the caps', () => {
  for (const key of Object.keys(LIMIT_KEYS) as LimitKey[]) {
    describe(key, () => {
      const cap = caps[key];
      const min = LIMIT_KEYS[key].min;

      it('accepts less than the cap, and the cap itself', () => {
        expect(validatePluginSpec(spec({ [key]: Math.max(min, cap - 1) }), caps).config[key]).toBe(Math.max(min, cap - 1));
        expect(validatePluginSpec(spec({ [key]: cap }), caps).config[key]).toBe(cap);
        expect(validatePluginSpec(spec({ [key]: min }), caps).config[key]).toBe(min);
      });

      it('refuses more than the cap, naming the key, the value asked for and the cap', () => {
        const err = refusal(() => validatePluginSpec(spec({ [key]: cap + 1 }), caps));
        expect(err.field).toBe(`config.${key}`);
        expect(err.message).toContain(`config.${key}: asks for ${cap + 1}, more than this server allows (at most ${cap} `);
        // An admin's lower cap is the one that counts.
        const lower = resolveLimitCaps({ [key]: Math.max(min, 1) });
        expect(refusal(() => validatePluginSpec(spec({ [key]: Math.max(min, 1) + 1 }), lower)).message).toContain(`at most ${Math.max(min, 1)} `);
      });

      it('refuses a value of the wrong type or below its minimum', () => {
        for (const bad of [String(cap), true, 1.5, -1, ...(min > 0 ? [min - 1] : [])]) {
          const err = refusal(() => validatePluginSpec(spec({ [key]: bad }), caps));
          expect(err.field).toBe(`config.${key}`);
          expect(err.message).toMatch(/must be a whole number of .*, at least/);
        }
        // Without caps too (the command line): the type rules do not depend on them.
        expect(refusal(() => validatePluginSpec(spec({ [key]: String(cap) }))).field).toBe(`config.${key}`);
      });
    });
  }

  it('without caps (the command line, stored specs) takes any value in range', () => {
    expect(validatePluginSpec(spec({ cpu_limit_ms: 600_000 })).config.cpu_limit_ms).toBe(600_000);
    expect(refusal(() => validatePluginSpec(spec({ cpu_limit_ms: 600_000 }), caps)).message).toBe(
      'config.cpu_limit_ms: asks for 600000, more than this server allows (at most 1000 ms per call); a plugin may ask for less, never more',
    );
  });

  it('holds ticker_interval to the shortest the platform allows; 0 (no timer events) is always allowed', () => {
    const strict = resolveLimitCaps({ min_ticker_interval: 10 });
    expect(validatePluginSpec(spec({ ticker_interval: 10 }), strict).config.ticker_interval).toBe(10);
    expect(validatePluginSpec(spec({ ticker_interval: 0 }), strict).config.ticker_interval).toBe(0);
    const err = refusal(() => validatePluginSpec(spec({ ticker_interval: 9 }), strict));
    expect(err.field).toBe('config.ticker_interval');
    expect(err.message).toContain('9 s is shorter than this server allows (at least 10 s');
  });

  it('accepts instruction_limit (Hindsight configs) and ignores it; a non-number is refused', () => {
    const s = validatePluginSpec(spec({ instruction_limit: 1e9 }), caps);
    expect(effectiveLimits(s.config, caps).cpu_limit_ms.value).toBe(DEFAULT_LIMITS.cpuMsPerCall);
    expect(refusal(() => validatePluginSpec(spec({ instruction_limit: 'lots' }), caps)).field).toBe('config.instruction_limit');
  });
});

describe('resolveLimitCaps', () => {
  it('fills what the admin did not set with the defaults', () => {
    expect(resolveLimitCaps({ cpu_limit_ms: 250 })).toEqual({ ...DEFAULT_LIMIT_CAPS, cpu_limit_ms: 250 });
    expect(resolveLimitCaps()).toEqual(DEFAULT_LIMIT_CAPS);
  });

  it('refuses a cap out of the sandbox range, naming it', () => {
    expect(() => resolveLimitCaps({ cpu_limit_ms: 0 })).toThrow(/cap for cpu_limit_ms must be a whole number from 1 to 600000, got 0/);
    expect(() => resolveLimitCaps({ memory_limit: 2 ** 40 })).toThrow(/cap for memory_limit/);
    expect(() => resolveLimitCaps({ min_ticker_interval: -1 })).toThrow(/cap for min_ticker_interval/);
    expect(() => resolveLimitCaps({ output_limit: Number.NaN })).toThrow(/cap for output_limit/);
  });
});

describe('effective limits', () => {
  it('are what the plugin asked for, else the default, never above the cap', () => {
    const lowCaps = resolveLimitCaps({ cpu_limit_ms: 200, memory_limit: 16 * 1024 * 1024 });
    const e = effectiveLimits({ message_matcher: 'TRUE', memory_limit: 12 * 1024 * 1024, output_limit: 1000 }, lowCaps);
    expect(e.cpu_limit_ms).toEqual({ value: 200, cap: 200 }); // the default (500) cut to the cap
    expect(e.memory_limit).toEqual({ value: 12 * 1024 * 1024, cap: 16 * 1024 * 1024, asked: 12 * 1024 * 1024 });
    expect(e.output_limit).toEqual({ value: 1000, cap: lowCaps.output_limit, asked: 1000 });
    expect(e.timer_event_inject_limit).toEqual({ value: DEFAULT_LIMITS.timerEventInjectLimit, cap: lowCaps.timer_event_inject_limit });
    // A spec stored before the admin lowered a cap runs at the cap.
    expect(effectiveLimits({ message_matcher: 'TRUE', cpu_limit_ms: 600_000 }, lowCaps).cpu_limit_ms).toEqual({ value: 200, cap: 200, asked: 600_000 });
  });

  it('set only the keys that need a cut, so read_config of an unset key stays unset', () => {
    const s = validatePluginSpec(spec({ memory_limit: 16 * 1024 * 1024 }));
    expect(withEffectiveLimits(s, caps)).toBe(s);
    expect(withEffectiveLimits(s, undefined)).toBe(s);
    const cut = withEffectiveLimits(validatePluginSpec(spec({ cpu_limit_ms: 600_000 })), resolveLimitCaps({ output_limit: 1000 }));
    expect(cut.config).toEqual({ message_matcher: 'TRUE', cpu_limit_ms: 1000, output_limit: 1000 });
  });

  it('are what the sandbox enforces: the cut value is the one the plugin runs with', async () => {
    const loop = {
      code: "function process_message() { print('cpu_limit_ms', read_config('cpu_limit_ms')); while (true) {} }",
      config: { message_matcher: 'TRUE' },
    };
    const r = await testPlugin(loop, sampleMessages(1, 3), { limitCaps: resolveLimitCaps({ cpu_limit_ms: 50 }) });
    // The default 500 ms was cut to the 50 ms cap, and the runaway call was stopped.
    expect(r.debug).toEqual(['cpu_limit_ms 50']);
    expect(r.terminated?.during).toBe('process_message');
    await expect(
      testPlugin({ ...loop, config: { ...loop.config, cpu_limit_ms: 600_000 } }, sampleMessages(1, 3), { limitCaps: caps }),
    ).rejects.toThrow('config.cpu_limit_ms: asks for 600000');
  });
});
