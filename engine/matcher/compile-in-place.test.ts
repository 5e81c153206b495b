import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { LazyMessage, readMessageLazily } from '../message/lazy-message';
import type { Message } from '../message/message';
import { encodeMessage } from '../message/protobuf';
import { compileNode, compileNodeInPlace } from './compile';
import { lsbMessage, lsbMinimalMessage } from './lsb-fixtures';
import { parseMatcher } from './parse';

const HEADERS = [
  ['Type', 'type'],
  ['Logger', 'logger'],
  ['Hostname', 'hostname'],
  ['EnvVersion', 'envVersion'],
  ['Payload', 'payload'],
] as const;

const bytesOf = (hex: string) => Uint8Array.from(hex.split(' ').map((b) => parseInt(b, 16)));

/** Messages whose headers test the byte comparison's edges. */
function edgeHeaderMessages(): Message[] {
  const base = lsbMinimalMessage();
  const values = [
    '',
    'telemetry',
    'telemetrx', // the same length, one byte apart
    'telemetry2',
    'é',
    '日本',
    '😀',
    '\uFFFD', // what a lone surrogate literal encodes to
    '\uFEFFbom', // a BOM is text, not stripped
    'x'.repeat(127),
    'x'.repeat(128), // a two-byte length
    'y'.repeat(20000), // a three-byte length (the general scan)
  ];
  const out: Message[] = [base];
  for (const v of values) for (const [, prop] of HEADERS) out.push({ ...base, [prop]: v });
  out.push(lsbMessage());
  return out;
}

/** Expressions comparing `h` with literals around the values above. */
function headerExpressions(h: string): string[] {
  const literals = ['', 'telemetry', 'telemetrx', 'telemetr', 'é', 'e', '日本', '😀', '\uFFFD', '\uD800', '\uDE00', '\uD83D', '\uFEFFbom', 'bom', 'x'.repeat(127), 'x'.repeat(128), 'TEST', 'GoSpec', 'trink-x230', '0.8'];
  const out: string[] = [];
  for (const lit of literals) {
    const quoted = lit.includes("'") ? `"${lit}"` : `'${lit}'`;
    out.push(`${h} == ${quoted}`, `${h} != ${quoted}`);
  }
  out.push(`${h} == NIL`, `${h} != NIL`, `${h} == 'telemetry' || ${h} == 'é'`, `${h} != 'telemetry' && ${h} >= 'e'`);
  return out;
}

function expectSameAnswers(expressions: string[], messages: Message[]): number {
  let held = 0;
  const lazy = messages.map((m) => readMessageLazily(encodeMessage(m)));
  for (const l of lazy) expect(l).toBeInstanceOf(LazyMessage);
  for (const e of expressions) {
    const tree = parseMatcher(e);
    const any = compileNode(tree);
    const inPlace = compileNodeInPlace(tree);
    messages.forEach((m, i) => {
      const want = any(m);
      if (inPlace(lazy[i] as LazyMessage) !== want) throw new Error(`${JSON.stringify(e)} disagrees on message ${i}`);
      if (any(lazy[i]) !== want) throw new Error(`${JSON.stringify(e)} (any-message form) disagrees on message ${i} read in place`);
      if (want) held++;
    });
  }
  return held;
}

describe('compileNodeInPlace gives compileNode\u2019s answers on messages read in place', () => {
  it.each(HEADERS)('%s == and != literals: absent, empty, same length other bytes, beyond ASCII, lone surrogates, long values', (h) => {
    const held = expectSameAnswers(headerExpressions(h), edgeHeaderMessages());
    expect(held).toBeGreaterThan(0);
  });

  it('on sample messages, with headers and fields combined', () => {
    const expressions = [
      "Type == 'telemetry'",
      "Type != 'telemetry'",
      "Type == 'telemetry' && Fields[docType] == 'main'",
      "Type == 'metric' || Logger == 'nginx'",
      "Hostname == 'ip-10-0-3-17' && Severity < 7",
      "EnvVersion == '1' && Fields[appName] != 'Firefox'",
      "Payload != '' && Type == 'error'",
    ];
    expect(expectSameAnswers(expressions, sampleMessages(1500, 5))).toBeGreaterThan(1500);
  });

  it('on a record whose headers repeat (the last one wins) and hold a real U+FFFD', () => {
    // Uuid, Timestamp, Type 'first', Type U+FFFD, Hostname 'h', Hostname ''
    const record = bytesOf(
      '0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 01 1a 05 66 69 72 73 74 1a 03 ef bf bd 4a 01 68 4a 00',
    );
    const lazy = readMessageLazily(record) as LazyMessage;
    expect(lazy).toBeInstanceOf(LazyMessage);
    const answers = (e: string) => compileNodeInPlace(parseMatcher(e))(lazy);
    expect(answers("Type == '\uFFFD'")).toBe(true);
    expect(answers("Type == '\uD800'")).toBe(false); // encodes to EF BF BD, but is not U+FFFD
    expect(answers("Type != '\uD800'")).toBe(true);
    expect(answers("Type == 'first'")).toBe(false);
    expect(answers("Hostname == ''")).toBe(true);
    expect(answers("Hostname == 'h'")).toBe(false);
  });
});
