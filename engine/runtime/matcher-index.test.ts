import { describe, expect, it } from 'vitest';
import { compileMatcher, MatcherError } from '../matcher';
import { sampleMessages } from '../inputs/sample-messages';
import { LazyMessage, readMessageLazily } from '../message/lazy-message';
import { ValueType, type Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { MatcherIndex } from './matcher-index';

const EXPRESSIONS = [
  "Type == 'telemetry' && Fields[docType] == 'main'",
  "Type == 'telemetry' && Fields[docType] == 'crash'",
  "Fields[docType] == 'crash' && Fields[crashType] == 'main'",
  "Fields[docType] == 'event' || Type == 'metric'",
  "Type == 'nginx.access' && Fields[status] >= 500",
  "Logger == 'statsd'",
  "Fields[docType][0][0] == 'health' && Fields[os] == 'Linux'",
  "Fields[eventCategories][0][1] == 'search'",
  'TRUE',
  'FALSE',
  "Type != 'telemetry'",
  "Hostname == 'ip-10-0-3-17' && Severity < 7",
  "Payload =~ 'uptime'",
  "Fields[appName] == 'Focus' && Fields[geoCountry] == 'DE' && Type == 'telemetry'",
  "Fields[blob] == 'abc'",
];

function bytesMessage(): Message {
  return {
    uuid: new Uint8Array(16),
    timestamp: 1n,
    type: 'blobs',
    fields: [{ name: 'blob', valueType: ValueType.BYTES, representation: '', value: [new TextEncoder().encode('abc')] }],
  };
}

describe('MatcherIndex', () => {
  it('matches exactly what each compiled matcher matches', () => {
    const index = new MatcherIndex<number>();
    const brute = EXPRESSIONS.map((e) => compileMatcher(e));
    EXPRESSIONS.forEach((e, i) => index.add(i, e));
    const messages = [...sampleMessages(5000, 7), bytesMessage()];
    let total = 0;
    for (const m of messages) {
      const got: number[] = [];
      index.match(m, (items) => got.push(...items));
      const want = brute.flatMap((p, i) => (p(m) ? [i] : []));
      expect(got.sort((a, b) => a - b)).toEqual(want);
      total += want.length;
    }
    expect(total).toBeGreaterThan(5000); // the test saw real matches
    // The BYTES field equal to the literal is matched (through the BYTES path).
    const got: number[] = [];
    index.match(bytesMessage(), (items) => got.push(...items));
    expect(got).toContain(EXPRESSIONS.indexOf("Fields[blob] == 'abc'"));
  });

  it('matches a LazyMessage (the worker reads records in place) exactly as its decoded form', () => {
    const index = new MatcherIndex<number>();
    const brute = EXPRESSIONS.map((e) => compileMatcher(e));
    EXPRESSIONS.forEach((e, i) => index.add(i, e));
    const messages = [...sampleMessages(3000, 8), bytesMessage()];
    let total = 0;
    for (const m of messages) {
      const lazy = readMessageLazily(encodeMessage(m));
      expect(lazy).toBeInstanceOf(LazyMessage);
      const got: number[] = [];
      index.match(lazy, (items) => got.push(...items));
      const want = brute.flatMap((p, i) => (p(m) ? [i] : []));
      expect(got.sort((a, b) => a - b)).toEqual(want);
      // Every compiled matcher alone agrees too (field tests, nil tests, patterns, relations).
      expect(brute.flatMap((p, i) => (p(lazy) ? [i] : []))).toEqual(want);
      total += want.length;
    }
    expect(total).toBeGreaterThan(3000);
  });

  it('looks header keys up in place (few literals) and by string (many), beyond ASCII and with lone surrogates, as decoded', () => {
    const types = ['telemetry', 'telemetrx', 'metric', 'é', '日本', '\uFFFD', '', 'nginx.access'];
    // A lone surrogate's UTF-8 is U+FFFD's, yet it never equals a decoded U+FFFD.
    const literals = ['telemetry', 'telemetrx', 'é', '日本', '\uD800', '', 'telemetr', 'e', 'metric', '\uFFFD', 'nginx.access'];
    // Few: at most 8 literals on a key (looked up in place); many: 22 on one key (looked up by string).
    const few = new Map<string, string>();
    const many = new Map<string, string>();
    literals.forEach((lit, i) => {
      const q = `'${lit}'`;
      if (i < 8) few.set(`type${i}`, `Type == ${q}`);
      else few.set(`host${i}`, `Hostname == ${q} || Type == ${q}`);
      few.set(`payload${i}`, `Payload == ${q} && Type != 'metric'`);
      many.set(`type${i}`, `Type == ${q}`);
      many.set(`and${i}`, `Type == ${q} && Severity < 7`);
    });
    const indexes = [few, many].map((expressions) => {
      const index = new MatcherIndex<string>();
      for (const [item, e] of expressions) index.add(item, e);
      return { index, expressions };
    });
    expect(indexes[0].index.describe().keys).toEqual({ Type: 8, Payload: 11 });
    expect(indexes[1].index.describe().keys).toEqual({ Type: 22 });
    const messages: Message[] = [];
    for (const type of [...types, undefined]) {
      for (const severity of [3, 7]) {
        messages.push({ uuid: new Uint8Array(16), timestamp: 1n, type, severity, payload: type, hostname: type === undefined ? 'é' : 'h', fields: [] });
      }
    }
    let matched = 0;
    for (const m of messages) {
      const lazy = readMessageLazily(encodeMessage(m));
      expect(lazy).toBeInstanceOf(LazyMessage);
      for (const { index, expressions } of indexes) {
        const want = [...expressions].filter(([, e]) => compileMatcher(e)(m)).map(([item]) => item);
        for (const message of [m, lazy]) {
          const got: string[] = [];
          index.match(message, (items) => got.push(...items));
          expect(got.sort()).toEqual(want.sort());
        }
        matched += want.length;
      }
    }
    expect(matched).toBeGreaterThan(20);
  });

  it('does not rerun a matcher that is only its key equality, except for BYTES values', () => {
    const index = new MatcherIndex<string>();
    index.add('t', "Type == 'telemetry'");
    index.add('blob', "Fields[blob] == 'abc'");
    const telemetry = sampleMessages(50, 4).find((m) => m.type === 'telemetry')!;
    for (const m of [telemetry, readMessageLazily(encodeMessage(telemetry))]) {
      const got: string[] = [];
      expect(index.match(m, (items) => got.push(...items))).toBe(1);
      expect(got).toEqual(['t']);
    }
    // A BYTES value other than the literal: the matcher runs in full, and says no.
    const other: Message = { ...bytesMessage(), fields: [{ name: 'blob', valueType: ValueType.BYTES, representation: '', value: [Uint8Array.of(1)] }] };
    const cases: [Message, string[]][] = [
      [bytesMessage(), ['blob']],
      [other, []],
      [readMessageLazily(encodeMessage(bytesMessage())), ['blob']],
      [readMessageLazily(encodeMessage(other)), []],
    ];
    for (const [m, want] of cases) {
      const got: string[] = [];
      expect(index.match(m, (items) => got.push(...items))).toBe(1);
      expect(got).toEqual(want);
    }
  });

  it('indexes required equalities and evaluates few matchers per message', () => {
    const index = new MatcherIndex<string>();
    for (let i = 0; i < 100; i++) index.add(`p${i}`, `Type == 'telemetry' && Fields[appVersion] == 'v${i}'`);
    index.add('main', "Type == 'telemetry' && Fields[docType] == 'main'");
    const layout = index.describe();
    expect(layout.unkeyed).toBe(0);
    expect(layout.keys['Fields[appVersion][0][0]']).toBe(100);
    let evaluations = 0;
    const messages = sampleMessages(2000, 3);
    for (const m of messages) evaluations += index.match(m, () => {});
    // At most the docType matcher (one evaluation) per message; none of the 100 never-matching ones.
    expect(evaluations).toBeLessThanOrEqual(messages.length);
  });

  it('files matchers that share one required literal under their other, distinct one', () => {
    // Fifty matchers all requiring docType 'main', each with its own country:
    // filed under docType, all fifty would run on every 'main' message.
    const index = new MatcherIndex<string>();
    index.add('crash', "Fields[docType] == 'crash'");
    for (let i = 0; i < 50; i++) index.add(`c${i}`, `Fields[geoCountry] == 'Z${i}' && Fields[docType] == 'main'`);
    for (let i = 0; i < 50; i++) index.add(`d${i}`, `Fields[docType] == 'main' && Fields[appVersion] == 'v${i}'`);
    const keys = index.describe().keys;
    // The first of each kind may take docType 'main' (no other matcher there yet); the rest spread out.
    expect(keys['Fields[docType][0][0]']).toBeLessThanOrEqual(3);
    expect(keys['Fields[geoCountry][0][0]']).toBeGreaterThanOrEqual(49);
    expect(keys['Fields[appVersion][0][0]']).toBeGreaterThanOrEqual(49);
    const messages = sampleMessages(2000, 5);
    let evaluations = 0;
    for (const m of messages) {
      const matched: string[] = [];
      evaluations += index.match(m, (items) => matched.push(...items));
      // Still exact.
      const docType = m.fields.find((f) => f.name === 'docType')?.value[0];
      expect(matched.includes('crash')).toBe(docType === 'crash');
    }
    // A few evaluations per message, not fifty per 'main' message.
    expect(evaluations).toBeLessThanOrEqual(4 * messages.length);
  });

  it('shares identical expressions and removes cleanly', () => {
    const index = new MatcherIndex<string>();
    index.add('a', "Type == 'metric'");
    index.add('b', "Type == 'metric'");
    index.add('c', "Logger == 'statsd' || Type == 'x'");
    expect(index.describe()).toEqual({ expressions: 2, keys: { Type: 1 }, unkeyed: 1 });
    const metric = sampleMessages(3000, 2).find((m) => m.type === 'metric')!;
    const seen = (): string[] => {
      const out: string[] = [];
      index.match(metric, (items) => out.push(...items));
      return out.sort();
    };
    expect(seen()).toEqual(['a', 'b', 'c']);
    index.remove('a');
    expect(seen()).toEqual(['b', 'c']);
    index.remove('b');
    index.remove('c');
    index.remove('c'); // unknown: ignored
    expect(seen()).toEqual([]);
    expect(index.describe()).toEqual({ expressions: 0, keys: {}, unkeyed: 0 });
    expect(index.size).toBe(0);
    expect(() => index.add('x', "Type = 'a'")).toThrow(MatcherError);
    expect(index.size).toBe(0);
    index.add('x', "Type == 'metric'");
    expect(() => index.add('x', 'TRUE')).toThrow(/already/);
  });
});
