import { describe, expect, it } from 'vitest';
import { messageToJSON, parseMessageJSON } from '../message/json';
import { decodeMessage, encodeMessage } from '../message/protobuf';
import { jsonToProtobuf, jsonToProtobufCounts } from './json-to-protobuf';
import { parseNdjson, parseNdjsonRecords } from './ndjson';
import { createRng, sampleMessages, type Rng } from './sample-messages';

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The reference path's verdict on one line. `filledBy` (the fast path's
 * result) supplies the Uuid and Timestamp the reference filled in itself
 * (random, now), so the rest can be compared byte for byte.
 */
function reference(line: string, filledBy?: Uint8Array): { bytes: string } | { error: string } {
  try {
    const before = BigInt(Date.now()) * 1_000_000n;
    const m = parseMessageJSON(line);
    const after = BigInt(Date.now()) * 1_000_000n;
    if (filledBy) {
      const f = decodeMessage(filledBy);
      // A filled-in Uuid is random: a second parse gives another one.
      if (hex(parseMessageJSON(line).uuid) !== hex(m.uuid)) m.uuid = f.uuid;
      if (m.timestamp >= before && m.timestamp <= after) m.timestamp = f.timestamp;
    }
    return { bytes: hex(encodeMessage(m)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function fast(line: string): string | undefined {
  const b = enc(line);
  const r = jsonToProtobuf(b, 0, b.length);
  return r && hex(r);
}

/** The property: the fast path gives the reference bytes or declines; it never accepts what the reference rejects. */
function expectAgrees(line: string): boolean {
  const b = enc(line);
  const r = jsonToProtobuf(b, 0, b.length);
  if (r === undefined) return false;
  const f = hex(r);
  const ref = reference(line, r);
  if ('error' in ref) throw new Error(`fast path accepted a line the reference rejects (${ref.error}): ${line}`);
  expect(f, line).toBe(ref.bytes);
  return true;
}

// ------------------------------------------------------------ generated Heka JSON

const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const WS = ['', '', '', ' ', '\t', ' \r ', '  '];
const STRINGS = [
  'event',
  '',
  'é',
  'naïve ☃',
  '😀',
  'quote " and \\ back',
  'line\nbreak\ttab',
  '\u0001ctl',
  'x'.repeat(200),
  '{"json":"inside"}',
];

/** A JSON string literal of s, with some characters written as \\u escapes at random. */
function jsonString(rng: Rng, s: string): string {
  const plain = JSON.stringify(s);
  if (rng() < 0.7) return plain;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (rng() < 0.4) {
      if (c > 0xffff) {
        const hi = 0xd800 + ((c - 0x10000) >> 10);
        const lo = 0xdc00 + ((c - 0x10000) & 0x3ff);
        out += `\\u${hi.toString(16)}\\u${lo.toString(16).toUpperCase()}`;
      } else out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += JSON.stringify(ch).slice(1, -1);
  }
  return out + '"';
}

function obj(rng: Rng, entries: [string, string][]): string {
  // Shuffle: key order must not matter (except for Fields entries' own order).
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  const w = () => pick(rng, WS);
  return `${w()}{${w()}${entries.map(([k, v]) => `${JSON.stringify(k)}${w()}:${w()}${v}`).join(`${w()},${w()}`)}${w()}}${w()}`;
}

function numberLiteral(rng: Rng, kind: 'int' | 'double'): string {
  if (kind === 'int') {
    return pick(rng, ['0', '-0', '7', '-1', '127', '128', '-129', '4294967296', '9007199254740991', '-9007199254740991', '123456789012345', '1e3', '2.0']);
  }
  return pick(rng, ['0.5', '-0.0995', '1e-7', '6.02e23', '1E+2', '3.141592653589793', '-0', '1e300', '0.1', '12345678901234567890']);
}

function fieldValues(rng: Rng): { values: string[]; type?: string } {
  const n = 1 + Math.floor(rng() * (rng() < 0.8 ? 1 : 5));
  const kind = pick(rng, ['string', 'int', 'double', 'bool', 'digits', 'special'] as const);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'string':
        values.push(jsonString(rng, pick(rng, STRINGS)));
        break;
      case 'int':
      case 'double':
        values.push(numberLiteral(rng, kind));
        break;
      case 'bool':
        values.push(rng() < 0.5 ? 'true' : 'false');
        break;
      case 'digits':
        values.push(JSON.stringify(pick(rng, ['0', '-0', '42', '0007', '9223372036854775807', '-9223372036854775808', '-1', '18446744073709551615'])));
        break;
      case 'special':
        values.push(JSON.stringify(pick(rng, ['NaN', 'Infinity', '-Infinity', '-0'])));
        break;
    }
  }
  const typeNames: Record<string, string[]> = {
    string: ['0', '"STRING"', '"string"'],
    int: ['2', '"INTEGER"', '"Integer"', '3', '"double"'],
    double: ['3', '"DOUBLE"'],
    bool: ['4', '"bool"'],
    digits: ['2', '"INTEGER"'],
    special: ['3', '"DOUBLE"'],
  };
  const type = rng() < 0.3 ? undefined : pick(rng, typeNames[kind]);
  return { values, type };
}

function generatedLine(rng: Rng, shorthand: boolean): string {
  const entries: [string, string][] = [
    ['Uuid', JSON.stringify(rng() < 0.5 ? 'c45e6d77f2b440549b2322e95230a156' : 'C45E6D77-F2B4-4054-9B23-22E95230A156')],
    ['Timestamp', pick(rng, ['"1795000000000011704"', '1795000000', '0', '-5', '"-9223372036854775808"', '"9223372036854775807"'])],
  ];
  const maybe = (k: string, v: () => string) => {
    const r = rng();
    if (r < 0.6) entries.push([k, v()]);
    else if (r < 0.7) entries.push([k, 'null']);
  };
  maybe('Type', () => jsonString(rng, pick(rng, STRINGS)));
  maybe('Logger', () => jsonString(rng, pick(rng, STRINGS)));
  maybe('Severity', () => pick(rng, ['7', '0', '-1', '200']));
  maybe('Payload', () => jsonString(rng, pick(rng, STRINGS)));
  maybe('EnvVersion', () => jsonString(rng, '1'));
  maybe('Pid', () => pick(rng, ['4002', '0', '123456789012']));
  maybe('Hostname', () => jsonString(rng, 'ip-10-0-3-17'));
  if (rng() < 0.2) entries.push(['extra', pick(rng, ['{"a":[1,{"b":null}],"c":"\\u0000"}', '[]', 'true', '-1.5e3', '"x"'])]);
  const n = Math.floor(rng() * 6);
  if (shorthand) {
    const fs: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      const { values } = fieldValues(rng);
      fs.push([`f${i}${pick(rng, ['', 'é', '_x'])}`, values.length === 1 && rng() < 0.5 ? values[0] : `[${values.join(',')}]`]);
    }
    if (n > 0 || rng() < 0.5) entries.push(['Fields', obj(rng, fs)]);
  } else {
    const fs: string[] = [];
    for (let i = 0; i < n; i++) {
      const { values, type } = fieldValues(rng);
      const e: [string, string][] = [
        ['name', jsonString(rng, pick(rng, ['docType', 'size', 'é', '']))],
        ['value', values.length === 1 && rng() < 0.5 ? values[0] : `[${values.join(',')}]`],
      ];
      if (type !== undefined) e.push(['value_type', type]);
      if (rng() < 0.3) e.push(['representation', rng() < 0.8 ? jsonString(rng, pick(rng, ['B', 'ms', '%', ''])) : 'null']);
      if (rng() < 0.1) e.push(['comment', '"ignored"']);
      fs.push(obj(rng, e));
    }
    if (n > 0 || rng() < 0.5) entries.push(['Fields', `[${fs.join(',')}]`]);
  }
  return obj(rng, entries);
}

// ------------------------------------------------------------ canonical list-form fields

// {"name":...,"value_type":N,("representation":...,)?"value":[...]} with no
// whitespace (what messageToJSON writes) takes a one-pass reader; these
// generate that shape with values at and just past its edges, and now and
// then a shape it must hand to the general reader.
const CANONICAL_VALUES: Record<number, { plain: string[]; odd: string[] }> = {
  0: {
    plain: ['"event"', '""', '"é"', '"😀 naïve"', JSON.stringify('x'.repeat(130))],
    odd: ['"quote \\" inside"', '"\\u00e9"', '"line\\nbreak"', '"ctl\u0001"', '7', 'null', 'true', '"\\ud800"'],
  },
  2: {
    plain: ['0', '-0', '7', '-1', '127', '128', '-129', '2147483647', '2147483648', '-2147483649', '4294967296', '999999999999999', '-999999999999999'],
    odd: ['1000000000000000', '9007199254740993', '01', '-01', '-', '1e3', '2.0', '1.', '"42"', '"-9223372036854775808"', 'true', '0x10', '1.5'],
  },
  3: {
    plain: ['0', '-0', '0.5', '-0.0', '0.10', '1.25', '-3.75', '0.0995', '123456789012.345', '9.99999999999999', '0.00000000000001', '42'],
    odd: ['1234567890123.456', '0.0000000000000001', '1e-7', '1E+2', '.5', '1.', '-.5', '00.5', '"NaN"', '"-0"', '"1.5"', 'false', '12345678901234567890'],
  },
  4: { plain: ['true', 'false'], odd: ['tru', 'falsey', '1', '"true"', 'null', 'TRUE'] },
};
const CANONICAL_NAMES = ['docType', 'size', 'appName', '', 'é', '😀 name', 'n'.repeat(130)];
const ODD_NAMES = ['quote"d', 'back\\slash', 'tab\t', 'ctl\u0001'];
const REPRESENTATIONS = ['B', '', 'ms', 'é', 'r'.repeat(140), 'a"b'];

function canonicalFieldJson(rng: Rng): string {
  const type = pick(rng, [0, 2, 3, 4]);
  const pool = CANONICAL_VALUES[type];
  const n = 1 + Math.floor(rng() ** 3 * 40);
  const values: string[] = [];
  for (let i = 0; i < n; i++) values.push(rng() < 0.985 ? pick(rng, pool.plain) : pick(rng, pool.odd));
  const name = JSON.stringify(rng() < 0.9 ? pick(rng, CANONICAL_NAMES) : pick(rng, ODD_NAMES));
  const valueType = rng() < 0.92 ? String(type) : pick(rng, ['"STRING"', '"integer"', '1', '02', '2.0', 'null', '-0', '5', '"x"']);
  const r = rng();
  const representation = r < 0.6 ? undefined : r < 0.93 ? JSON.stringify(pick(rng, REPRESENTATIONS)) : 'null';
  const value = rng() < 0.95 ? `[${values.join(',')}]` : pick(rng, [values[0], '[]', 'null', `[${values.join(', ')}]`, `[${values.join(',')},]`]);
  const entries: [string, string][] = [
    ['name', name],
    ['value_type', valueType],
  ];
  if (representation !== undefined) entries.push(['representation', representation]);
  entries.push(['value', value]);
  let json = `{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
  if (rng() < 0.12) {
    // Off the canonical shape: the general reader's part.
    switch (Math.floor(rng() * 9)) {
      case 0:
        json = `{${[entries[1], entries[0], ...entries.slice(2)].map(([k, v]) => `"${k}":${v}`).join(',')}}`;
        break;
      case 1:
        json = json.replace(`"value_type":${valueType},`, '');
        break;
      case 2:
        json = json.replace('":', '": ');
        break;
      case 3:
        json = json.replace(/}$/, ',"comment":"x"}');
        break;
      case 4:
        json = json.replace('{', '{"comment":"x",');
        break;
      case 5:
        json = json.replace(/}$/, `,"value":${value}}`);
        break;
      case 6:
        json = json.replace('"name"', '"n\\u0061me"');
        break;
      case 7:
        json = json.replace('"name"', '"Name"');
        break;
      default:
        json = ` ${json.replace(/,/g, ' , ')} `;
    }
  }
  return json;
}

function canonicalLine(rng: Rng): string {
  const fields: string[] = [];
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) fields.push(canonicalFieldJson(rng));
  return `{"Uuid":"c45e6d77f2b440549b2322e95230a156","Timestamp":"1795000000000011704","Type":"t","Fields":[${fields.join(',')}]}`;
}

describe('jsonToProtobuf', () => {
  it('gives exactly the reference bytes for sample messages, declining none', () => {
    const msgs = sampleMessages(2000, 11);
    for (const m of msgs) {
      const line = JSON.stringify(messageToJSON(m));
      expect(expectAgrees(line), line).toBe(true);
      expect(fast(line)).toBe(hex(encodeMessage(m)));
    }
  });

  it('hands out records that stay intact while later ones are written (across several arenas)', () => {
    const msgs = sampleMessages(12_000, 12); // about 5 MB of records: more than one 4 MiB arena
    const body = enc(msgs.map((m) => JSON.stringify(messageToJSON(m))).join('\n'));
    const records: Uint8Array[] = [];
    let start = 0;
    for (;;) {
      let nl = body.indexOf(0x0a, start);
      if (nl === -1) nl = body.length;
      records.push(jsonToProtobuf(body, start, nl)!);
      if (nl === body.length) break;
      start = nl + 1;
    }
    expect(records.length).toBe(msgs.length);
    expect(new Set(records.map((r) => r.buffer)).size).toBeGreaterThan(1);
    for (let i = 0; i < msgs.length; i++) expect(hex(records[i])).toBe(hex(encodeMessage(msgs[i])));
  });

  it('agrees with the reference on generated list-form and shorthand messages, taking most of them', () => {
    const rng = createRng(3);
    let taken = 0;
    const total = 3000;
    for (let i = 0; i < total; i++) if (expectAgrees(generatedLine(rng, i % 2 === 1))) taken++;
    // What it declines (mixed types, out-of-range values, ...) the reference decides; most valid shapes it takes.
    expect(taken).toBeGreaterThan(total * 0.4);
  });

  it('never accepts a line the reference rejects: every truncation, deletion and insertion of sample lines', () => {
    const rng = createRng(5);
    const lines = sampleMessages(30, 2).map((m) => JSON.stringify(messageToJSON(m)));
    lines.push(generatedLine(rng, false), generatedLine(rng, true), generatedLine(rng, true));
    const junk = ['"', '\\', ',', ':', '{', '}', '[', ']', 'x', '0', '-', '.', 'e', ' ', '\u0000', 'null', 'é', '\\u', '\\ud800'];
    let checked = 0;
    for (const line of lines) {
      for (let cut = 0; cut < line.length; cut += 1 + Math.floor(rng() * 3)) {
        expectAgrees(line.slice(0, cut));
        expectAgrees(line.slice(0, cut) + line.slice(cut + 1));
        expectAgrees(line.slice(0, cut) + pick(rng, junk) + line.slice(cut));
        checked += 3;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('declines every invalid line, leaving the reason to the reference path', () => {
    const bad = [
      '',
      '42',
      '[]',
      '{',
      '{"Type":"a"',
      '{"Type":"a"}x',
      '{"Type":"a",}',
      '{"Type":\'a\'}',
      '{"Type":"a\u0001"}',
      '{"Type":"\\x"}',
      '{"Type":"\\ud800"}',
      '{"Type":"\\udc00\\ud800"}',
      '{"Type":7}',
      '{"type":"a"}',
      '{"HOSTNAME":"h"}',
      '{"Severity":"high"}',
      '{"Severity":1.5}',
      '{"Severity":01}',
      '{"Uuid":"xyz"}',
      '{"Uuid":"c45e6d77f2b440549b2322e95230a15g"}',
      '{"Uuid":"c45e6d77-f2b4-4054-9b23-22e95230a15"}',
      '{"Timestamp":"soon"}',
      '{"Timestamp":"9223372036854775808"}',
      '{"Timestamp":"-9223372036854775809"}',
      '{"Timestamp":1.5}',
      '{"Fields":7}',
      '{"Fields":[7]}',
      '{"Fields":[{"value":1}]}',
      '{"Fields":[{"name":"n"}]}',
      '{"Fields":[{"name":"n","value":null}]}',
      '{"Fields":[{"name":"n","value":[]}]}',
      '{"Fields":[{"name":"n","value":[1,"a"]}]}',
      '{"Fields":[{"name":"n","value":[[1]]}]}',
      '{"Fields":[{"name":"n","value":{"a":1}}]}',
      '{"Fields":[{"name":"n","value_type":2,"value":["x"]}]}',
      '{"Fields":[{"name":"n","value_type":2,"value":[1.5]}]}',
      '{"Fields":[{"name":"n","value_type":2,"value":["99999999999999999999"]}]}',
      '{"Fields":[{"name":"n","value_type":4,"value":[1]}]}',
      '{"Fields":[{"name":"n","value_type":0,"value":[1]}]}',
      '{"Fields":[{"name":"n","value_type":3,"value":["1.5"]}]}',
      '{"Fields":[{"name":"n","value_type":9,"value":[1]}]}',
      '{"Fields":[{"name":"n","value_type":"TEXT","value":[1]}]}',
      '{"Fields":[{"name":7,"value":[1]}]}',
      '{"Fields":[{"name":"n","representation":7,"value":[1]}]}',
      '{"Fields":{"n":null}}',
      '{"Fields":{"n":{}}}',
      '{"Fields":{"n":[]}}',
      '{"Fields":{"n":[true,1]}}',
      '{"Payload":"' + 'x'.repeat(70_000) + '"}',
      '{"Fields":[{"name":"n","value":[' + Array(9000).fill('-1').join(',') + ']}]}',
    ];
    for (const line of bad) {
      expect(fast(line), line.slice(0, 80)).toBeUndefined();
      expect('error' in reference(line), line.slice(0, 80)).toBe(true);
    }
  });

  it('declines valid but rare forms, which the reference path then accepts', () => {
    const rare = [
      '{"Type":"a","Type":"b"}', // duplicate key: the last wins
      '{"Typ\\u0065":"a"}', // escaped key
      '{"Timestamp":"2026-01-02T03:04:05Z"}',
      '{"Timestamp":1795000000000011704}',
      '{"Fields":[{"name":"b","value_type":"BYTES","value":["AAE="]}]}',
      '{"Fields":{"2":1,"1":2}}', // for-in puts index keys first
      '{"Fields":{"a":1,"a":2}}',
      '{"Fields":[{"name":"n","value":[1e18]}]}', // INTEGER beyond 2^53
      '{"Fields":[{"name":"n","value_type":1.0e0,"value":["AA=="]}]}',
      '{"Type":"a","x":' + '['.repeat(100) + ']'.repeat(100) + '}',
    ];
    for (const line of rare) {
      expect(fast(line), line).toBeUndefined();
      expect('bytes' in reference(line), line).toBe(true);
    }
  });

  it('declines a line with no header or Fields key, which the reference path rejects naming the keys', () => {
    const cases: [string, string][] = [
      ['{"Typo":"x","payload2":"y"}', 'no Heka header or Fields, only unknown keys "Typo", "payload2" (headers are Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname)'],
      ['{"x":1}', 'no Heka header or Fields, only unknown key "x" (headers are Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname)'],
      ['{}', 'the object is empty: a message needs at least one header or Fields'],
      [' { } ', 'the object is empty: a message needs at least one header or Fields'],
      ['{"Typo":"x","Fields"  :{"a":1},"z":2}', ''], // Fields is recognised (in any order)
      ['{"Uuid":null}', ''], // a header, null: filled in
      ['{"Fields":null,"q":1}', ''],
    ];
    for (const [line, reason] of cases) {
      const r = reference(line);
      if (reason === '') {
        expect('bytes' in r, line).toBe(true);
        continue;
      }
      expect(fast(line), line).toBeUndefined();
      expect(r, line).toEqual({ error: reason });
    }
    // The hostname-case typo keeps its own, more precise, error.
    expect(reference('{"hostname":"h"}')).toEqual({ error: 'hostname: unknown key; headers are case-sensitive, did you mean "Hostname"?' });
  });

  it('fills in a missing or null Uuid and Timestamp like the reference path: random v4, now', () => {
    const lines = [
      '{"Uuid":null,"Timestamp":null,"Type":"a"}',
      '{"Type":"a"}',
      '{"Type":"a","Hostname":null,"x":[1]}',
      '{"Type":"a","Uuid":null}', // out of tag order: read in any order
      '{"Fields":[],"Type":"a"}',
      '{"Timestamp":null,"Type":"a","Uuid":null}',
    ];
    const before = BigInt(Date.now()) * 1_000_000n;
    const b = enc(lines.join('\n'));
    const records: Uint8Array[] = [];
    for (let start = 0; start < b.length; ) {
      let nl = b.indexOf(0x0a, start);
      if (nl === -1) nl = b.length;
      records.push(jsonToProtobuf(b, start, nl)!);
      start = nl + 1;
    }
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(records.length).toBe(lines.length);
    for (const r of records) {
      const m = decodeMessage(r);
      expect(m.type).toBe('a');
      expect(m.uuid[6] >> 4).toBe(4);
      expect(m.uuid[8] >> 6).toBe(2);
      expect(m.timestamp >= before && m.timestamp <= after).toBe(true);
      // Same bytes as the reference apart from the filled-in headers.
      expect(hex(encodeMessage({ ...parseMessageJSON('{"Type":"a"}'), uuid: m.uuid, timestamp: m.timestamp }))).toBe(hex(r));
    }
    expect(new Set(records.map((r) => hex(decodeMessage(r).uuid))).size).toBe(records.length);
  });

  it('reads headers in tag order as they come, and any other order by starting over; the same bytes either way', () => {
    const rng = createRng(31);
    const msgs = sampleMessages(300, 8);
    const before = jsonToProtobufCounts();
    let taken = 0;
    for (const m of msgs) {
      const json = messageToJSON(m);
      const entries: [string, string][] = [];
      for (const [k, v] of Object.entries(json)) {
        const r = rng();
        if (r < 0.15) continue; // absent
        if (r < 0.2) entries.push([k, 'null']);
        else entries.push([k, typeof v === 'string' && rng() < 0.3 ? jsonString(rng, v) : JSON.stringify(v)]);
        if (rng() < 0.05) entries.push(['extra', pick(rng, ['{"a":[1,{"b":null}]}', '"x"', '-1.5e3', 'null'])]);
      }
      const r = rng();
      if (r < 0.15 && entries.length > 1) {
        // One entry out of place.
        const [moved] = entries.splice(Math.floor(rng() * entries.length), 1);
        entries.splice(Math.floor(rng() * (entries.length + 1)), 0, moved);
      } else if (r < 0.2 && entries.length > 0) entries.push(pick(rng, entries)); // a duplicate
      const line = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
      if (expectAgrees(line)) taken++;
    }
    const after = jsonToProtobufCounts();
    expect(taken).toBeGreaterThan(msgs.length * 0.8);
    expect(after.inOrderMessages - before.inOrderMessages).toBe(msgs.length);
    expect(after.anyOrderMessages - before.anyOrderMessages).toBeGreaterThan(20);
  });

  it('reads only bytes[start, end): a message cut short there is declined even if the bytes after complete it', () => {
    const b = enc('xx{"Type":"abc"}yy');
    expect(jsonToProtobuf(b, 2, 16)).toBeDefined();
    for (let end = 3; end < 16; end++) expect(jsonToProtobuf(b, 2, end)).toBeUndefined();
    const n = enc('{"Severity":12}');
    expect(jsonToProtobuf(n, 0, 13)).toBeUndefined(); // {"Severity":1 without its }
  });
});

describe('jsonToProtobuf: the one-pass canonical list-field reader', () => {
  it('agrees with the reference on canonical fields at and past its edges, and hands the rest to the general reader', () => {
    const rng = createRng(21);
    const before = jsonToProtobufCounts();
    let taken = 0;
    const total = 4000;
    for (let i = 0; i < total; i++) if (expectAgrees(canonicalLine(rng))) taken++;
    const after = jsonToProtobufCounts();
    expect(taken).toBeGreaterThan(total * 0.35);
    // Both readers did real work here (so a broken one could not hide).
    expect(after.canonicalFields - before.canonicalFields).toBeGreaterThan(4000);
    expect(after.otherFields - before.otherFields).toBeGreaterThan(1000);
  });

  it('never reads past end: every cut of canonical lines, with the rest of the line still in the buffer, is declined', () => {
    const rng = createRng(22);
    let checked = 0;
    for (let k = 0; k < 40; k++) {
      const line = canonicalLine(rng);
      const b = enc(line + '\n' + line);
      const bytes = enc(line).length;
      for (let end = 0; end < bytes; end++) {
        expect(jsonToProtobuf(b, 0, end), `${line} cut at ${end}`).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('agrees with the reference on every deletion and insertion in canonical lines', () => {
    const rng = createRng(23);
    const junk = ['"', '\\', ',', ':', '{', '}', '[', ']', '0', '-', '.', 'e', ' ', '\u0001', 'é', 'null', 'true', '1', '"x"'];
    let checked = 0;
    for (let k = 0; k < 25; k++) {
      const chars = Array.from(canonicalLine(rng)); // by code point: no lone surrogates (the input is valid UTF-8)
      for (let cut = 0; cut < chars.length; cut++) {
        expectAgrees(chars.slice(0, cut).join('') + chars.slice(cut + 1).join(''));
        expectAgrees(chars.slice(0, cut).join('') + pick(rng, junk) + chars.slice(cut).join(''));
        checked += 2;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('copies strings a word at a time: an escape, a control byte or non-ASCII at every offset, near the end of the line too', () => {
    const specials = ['\\"', '\\\\', '\\n', '\\u00e9', '\\ud83d\\ude00', 'é', '😀', '\u0001', '\u001f', '\\ud800', '\\x', '\u007f', ' '];
    let checked = 0;
    for (const sp of specials) {
      for (let before = 0; before < 9; before++) {
        for (let after = 0; after < 6; after++) {
          const text = 'a'.repeat(before) + sp + 'b'.repeat(after);
          const lines = [
            `{"Type":"${text}"}`, // the string ends 1 byte before the end of the line
            `{"Hostname":"${text}","Fields":[]}`,
            `{"Fields":[{"name":"${text}","value_type":0,"value":["${text}"]}]}`,
            `{"Fields":[{"name":"n","value_type":0,"representation":"${text}","value":["x","${text}"]}]}`,
          ];
          for (const line of lines) {
            const agreed = expectAgrees(line);
            // Raw control bytes and bad escapes are errors; everything else is taken.
            expect(agreed, line).toBe(!['\u0001', '\u001f', '\\ud800', '\\x'].includes(sp));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(specials.length * 9 * 6 * 4);
  });

  const head = '{"Uuid":"c45e6d77f2b440549b2322e95230a156","Timestamp":1,"Fields":[';
  const taken = (field: string): 'canonical' | 'other' => {
    const before = jsonToProtobufCounts();
    expect(expectAgrees(head + field + ']}'), field).toBe(true);
    const after = jsonToProtobufCounts();
    expect(after.canonicalFields - before.canonicalFields + (after.otherFields - before.otherFields), field).toBe(1);
    return after.canonicalFields > before.canonicalFields ? 'canonical' : 'other';
  };

  it('reads the canonical shape itself, including long names, widened lengths and every value type', () => {
    const canonical = [
      '{"name":"docType","value_type":0,"value":["event"]}',
      '{"name":"","value_type":0,"value":[""]}',
      '{"name":"é😀","value_type":0,"representation":"ü","value":["naïve ☃","😀"]}',
      `{"name":"${'n'.repeat(200)}","value_type":0,"representation":"${'r'.repeat(150)}","value":["${'v'.repeat(20_000)}"]}`,
      '{"name":"size","value_type":2,"representation":"B","value":[46545]}',
      '{"name":"size","value_type":2,"representation":"","value":[-1,0,-0,999999999999999,-999999999999999,2147483648]}',
      '{"name":"d","value_type":3,"value":[0.0995]}',
      `{"name":"d","value_type":3,"value":[${Array.from({ length: 40 }, (_, i) => `${i}.${i}5`).join(',')}]}`,
      '{"name":"d","value_type":3,"value":[-0,-0.0,0.10,123456789012.345,42]}',
      '{"name":"b","value_type":4,"value":[true]}',
      '{"name":"b","value_type":4,"value":[true,false,false]}',
      '{"name":"a\\"b\\\\c\\/\\b\\f\\n\\r\\t","value_type":0,"value":["x"]}', // escapes, decoded as read
      '{"name":"n","value_type":0,"value":["a\\nb","\\u00e9\\u20AC\\ud83d\\ude00\\u0000"]}',
      '{"name":"n","value_type":0,"representation":"\\u00e9","value":["x"]}',
    ];
    for (const f of canonical) expect(taken(f), f).toBe('canonical');
  });

  it('hands every other shape to the general reader, which takes it with the same bytes', () => {
    const other = [
      '{"value_type":0,"name":"n","value":["x"]}', // keys reordered
      '{"name":"n","value":["x"]}', // no value_type
      '{"name":"n","value_type":null,"value":["x"]}',
      '{"name":"n","value_type":"STRING","value":["x"]}',
      '{"name":"n","value_type":0,"representation":null,"value":["x"]}',
      '{"name":"n","value_type":0,"value":"x"}', // not an array
      '{"name":"n","value_type":0,"value":["x"],"comment":1}',
      '{"name":"n","value_type":0,"value":["x"] }',
      '{ "name":"n","value_type":0,"value":["x"]}',
      '{"name":"n","value_type":2,"value":[1000000000000000]}', // 16 digits
      '{"name":"n","value_type":2,"value":[2.0]}',
      '{"name":"n","value_type":2,"value":["42"]}',
      '{"name":"n","value_type":3,"value":[1e-7]}',
      '{"name":"n","value_type":3,"value":[1234567890123.456]}', // 16 digits
      '{"name":"n","value_type":3,"value":["NaN","-0"]}',
    ];
    for (const f of other) expect(taken(f), f).toBe('other');
  });

  it('declines what the reference rejects, whichever reader saw it', () => {
    const bad = [
      '{"name":"n","value_type":0,"value":[]}',
      '{"name":"n","value_type":0,"value":[1]}',
      '{"name":"n","value_type":2,"value":[01]}',
      '{"name":"n","value_type":2,"value":[1.5]}',
      '{"name":"n","value_type":3,"value":[.5]}',
      '{"name":"n","value_type":3,"value":[1.]}',
      '{"name":"n","value_type":3,"value":[-]}',
      '{"name":"n","value_type":4,"value":[tru]}',
      '{"name":"n","value_type":4,"value":[1]}',
      '{"name":"n","value_type":5,"value":[1]}',
      '{"name":"n","value_type":0,"value":["x",]}',
      '{"name":"n","value_type":0,"value":["x"]',
      '{"name":"n\u0001","value_type":0,"value":["x"]}',
      '{"name":"n","value_type":0,"value":["x\u0001"]}',
      '{"name":"n","value_type":0,"representation":"r\u0001","value":["x"]}',
      '{"name":"n","value_type":0,"value":["x"],"value":[]}',
      '{"name":"n","value_type":0,"value":["\\ud800"]}', // lone surrogates have no UTF-8 form
      '{"name":"n","value_type":0,"value":["\\udc00\\ud800"]}',
      '{"name":"n","value_type":0,"value":["\\ud800\\u0041"]}',
      '{"name":"\\ud83dx","value_type":0,"value":["x"]}',
      '{"name":"n","value_type":0,"representation":"\\ud83d","value":["x"]}',
      '{"name":"n","value_type":0,"value":["\\u12"]}',
      '{"name":"n","value_type":0,"value":["\\u12g4"]}',
      '{"name":"n","value_type":0,"value":["\\x"]}',
      '{"name":"n","value_type":0,"value":["\\\'"]}',
    ];
    for (const f of bad) {
      const line = head + f + ']}';
      expect(fast(line), line).toBeUndefined();
      expect('error' in reference(line), line).toBe(true);
    }
  });
});

describe('parseNdjsonRecords with the fast path', () => {
  it('gives the same records, line numbers and rejection reasons as parsing then encoding each line', () => {
    const rng = createRng(9);
    const good = sampleMessages(50, 4).map((m) => JSON.stringify(messageToJSON(m)));
    const parts: string[] = [];
    for (let i = 0; i < 400; i++) {
      const r = rng();
      if (r < 0.5) parts.push(pick(rng, good));
      else if (r < 0.7) parts.push(generatedLine(rng, rng() < 0.5));
      else if (r < 0.8) parts.push(pick(rng, ['', '   ', '\t', ' {"Type":"lead","Uuid":"c45e6d77f2b440549b2322e95230a156","Timestamp":1}', '\u00a0', '\uFEFF{"Type":"bom"}']));
      else {
        const g = pick(rng, good);
        const cut = Math.floor(rng() * g.length);
        parts.push(g.slice(0, cut) + g.slice(cut + 1));
      }
    }
    const text = '\uFEFF' + parts.map((p) => p + (rng() < 0.2 ? '\r' : '')).join('\n');
    for (const input of [text, enc(text), enc('\uFEFF' + text)]) {
      const got = parseNdjsonRecords(input);
      const want = parseNdjson(input);
      expect(got.rejected).toEqual(want.rejected);
      expect(got.rejectedCount).toBe(want.rejectedCount);
      expect(got.lines).toEqual(want.lines);
      expect(got.encoded.map(hex)).toEqual(want.accepted.map((m) => hex(encodeMessage(m))));
    }
  });

  it('keeps the reference behaviour for invalid UTF-8, lone surrogates in text, over-long and blank long lines', () => {
    const bytes = new Uint8Array([...enc('{"Type":"a"}\n{"Type":"b'), 0xff, ...enc('"}\n{"Type":"c"}')]);
    const r = parseNdjsonRecords(bytes);
    expect(r.lines).toEqual([1, 3]);
    expect(r.rejected).toEqual([{ line: 2, reason: 'invalid UTF-8 at byte 11 of the line' }]);

    const text = '{"Type":"a"}\n{"Type":"\ud800"}\n{"Type":"c"}';
    const t = parseNdjsonRecords(text);
    expect(t.lines).toEqual([1, 3]);
    expect(t.rejected[0].line).toBe(2);
    expect(t.rejected[0].reason).toMatch(/lone surrogate/);

    const long = `{"Type":"a"}\n{"Payload":"${'y'.repeat(5000)}"}\n${' '.repeat(5000)}\n{"Type":"c"}`;
    const l = parseNdjsonRecords(enc(long), { maxLineBytes: 1000, firstLine: 10 });
    expect(l.lines).toEqual([10, 13]);
    expect(l.rejected).toEqual([{ line: 11, reason: 'line is 5014 bytes, more than the 1000 byte maximum' }]);
  });
});
