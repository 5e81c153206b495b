import { describe, expect, it } from 'vitest';
import { readField } from '../message/fields';
import { messageToJSON } from '../message/json';
import { encodeMessage } from '../message/protobuf';
import { parseNdjson, parseNdjsonRecords } from './ndjson';
import { sampleMessages } from './sample-messages';

const enc = (s: string) => new TextEncoder().encode(s);

describe('parseNdjson', () => {
  it('round-trips sample messages written as NDJSON, from text and from bytes', () => {
    const msgs = sampleMessages(300, 5);
    const text = msgs.map((m) => JSON.stringify(messageToJSON(m))).join('\n') + '\n';
    for (const input of [text, enc(text)]) {
      const r = parseNdjson(input);
      expect(r.rejectedCount).toBe(0);
      expect(r.accepted).toEqual(msgs);
      expect(r.lines).toEqual(msgs.map((_, i) => i + 1));
    }
  });

  it('fills in a missing Uuid and Timestamp, accepts the shorthand Fields form, CRLF, BOM and blank lines', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const text =
      '\uFEFF{"Type":"a","Fields":{"docType":"main","n":3,"x":1.5,"ok":true,"tags":["p","q"]}}\r\n' +
      '\r\n   \n' +
      '{"Uuid":null,"Type":"b","Timestamp":"2026-01-02T03:04:05.123456789Z"}\n';
    const r = parseNdjson(text);
    expect(r.rejected).toEqual([]);
    expect(r.lines).toEqual([1, 4]);
    const [a, b] = r.accepted;
    expect(a.uuid.length).toBe(16);
    expect(b.uuid.length).toBe(16);
    expect(a.uuid).not.toEqual(b.uuid);
    expect(a.timestamp >= before).toBe(true);
    expect(b.timestamp).toBe(1767323045123456789n);
    expect(readField(a, 'docType')).toBe('main');
    expect(readField(a, 'n')).toBe(3);
    expect(readField(a, 'tags', 0, 1)).toBe('q');
  });

  it('rejects each bad line with its number and reason and keeps the good ones', () => {
    const good = '{"Type":"ok"}';
    const lines = [
      good, // 1
      '{"Type":"broken"', // 2: bad JSON
      '{"Severity":"high"}', // 3: wrong type
      '[1,2]', // 4: not an object
      '42', // 5
      '{"Fields":[{"name":"n","value_type":2,"value":["x"]}]}', // 6: value of the wrong type
      '{"Payload":"' + 'x'.repeat(70_000) + '"}', // 7: encodes beyond 64 KiB
      '{"hostname":"h"}', // 8: header in the wrong case
      good, // 9
    ];
    const r = parseNdjson(lines.join('\n'));
    expect(r.accepted.length).toBe(2);
    expect(r.lines).toEqual([1, 9]);
    expect(r.rejectedCount).toBe(7);
    const reasons = new Map(r.rejected.map((x) => [x.line, x.reason]));
    expect([...reasons.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(reasons.get(2)).toMatch(/invalid JSON/);
    expect(reasons.get(3)).toMatch(/Severity/);
    expect(reasons.get(4)).toMatch(/expected a JSON object/);
    expect(reasons.get(6)).toMatch(/Fields\[0\]/);
    expect(reasons.get(7)).toMatch(/65536 byte maximum/);
    expect(reasons.get(8)).toMatch(/did you mean "Hostname"/);
  });

  it('rejects over-long lines without parsing them', () => {
    const r = parseNdjson(`{"Type":"a"}\n{"Payload":"${'y'.repeat(5000)}"}\n{"Type":"c"}`, { maxLineBytes: 1000 });
    expect(r.accepted.map((m) => m.type)).toEqual(['a', 'c']);
    expect(r.rejected).toEqual([{ line: 2, reason: 'line is 5014 bytes, more than the 1000 byte maximum' }]);
  });

  it('rejects only the lines with invalid UTF-8, saying where', () => {
    const bytes = new Uint8Array([
      ...enc('{"Type":"a"}\n{"Type":"b'),
      0xc3,
      0x28, // invalid continuation
      ...enc('"}\n{"Type":"c"}\n{"Type":"'),
      0xed,
      0xa0,
      0x80, // an encoded surrogate
      ...enc('"}'),
    ]);
    const r = parseNdjson(bytes);
    expect(r.accepted.map((m) => m.type)).toEqual(['a', 'c']);
    expect(r.rejected).toEqual([
      { line: 2, reason: 'invalid UTF-8 at byte 11 of the line' },
      { line: 4, reason: 'invalid UTF-8 at byte 10 of the line' },
    ]);
  });

  it('counts every rejection but keeps only maxRejections reasons, numbering from firstLine', () => {
    const r = parseNdjson(Array(50).fill('nope').join('\n'), { maxRejections: 3, firstLine: 101 });
    expect(r.rejectedCount).toBe(50);
    expect(r.rejected.map((x) => x.line)).toEqual([101, 102, 103]);
  });
});

describe('parseNdjsonRecords', () => {
  it('gives each valid line as its encoded protobuf and rejects lines that cannot be encoded', () => {
    const msgs = sampleMessages(20, 6);
    const lines = msgs.map((m) => JSON.stringify(messageToJSON(m)));
    lines.splice(3, 0, '{"Type":"\\ud800"}', 'junk');
    const r = parseNdjsonRecords(lines.join('\n'));
    expect(r.encoded).toEqual(msgs.map((m) => encodeMessage(m)));
    expect(r.lines).toEqual([1, 2, 3, ...Array.from({ length: 17 }, (_, i) => i + 6)]);
    expect(r.rejected.map((x) => x.line)).toEqual([4, 5]);
    expect(r.rejected[0].reason).toMatch(/surrogate/);
    expect(r.rejected[1].reason).toMatch(/invalid JSON/);
  });
});
