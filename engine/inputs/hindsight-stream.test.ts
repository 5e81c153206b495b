import { describe, expect, it } from 'vitest';
import { frameMessage } from '../message/framing';
import { decodeMessage, encodeMessage } from '../message/protobuf';
import { parseHindsightRecords, parseHindsightStream } from './hindsight-stream';
import { sampleMessages } from './sample-messages';
import { concatBytes as concat } from '../message/fixtures/bytes';
import { LazyMessage } from '../message/lazy-message';
import type { Message } from '../message/message';

/** Messages as decodeMessage gives them (those read in place, decoded in full). */
const decoded = (ms: Message[]) => ms.map((m) => (m instanceof LazyMessage ? m.message() : m));

const msgs = sampleMessages(40, 9);
const encoded = msgs.map((m) => encodeMessage(m));
const framed = encoded.map((e) => frameMessage(e));

describe('parseHindsightStream', () => {
  it('reads every record of a clean stream, keeping the bytes as received', () => {
    const r = parseHindsightStream(concat(...framed));
    expect(r.rejectedCount).toBe(0);
    expect(decoded(r.accepted)).toEqual(msgs);
    expect(r.encoded).toEqual(encoded);
    expect(r.records).toEqual(msgs.map((_, i) => i + 1));
    expect(r.nextRecord).toBe(41);
  });

  it('skips garbage between records and names its byte position', () => {
    const garbage = Uint8Array.of(0x00, 0x41, 0x42);
    const stream = concat(framed[0], garbage, framed[1], framed[2]);
    const r = parseHindsightStream(stream, { byteOffset: 1000 });
    expect(decoded(r.accepted)).toEqual(msgs.slice(0, 3));
    expect(r.rejected).toEqual([
      { record: 2, byte: 1000 + framed[0].length, reason: expect.stringMatching(/expected record separator.*skipped 3 bytes/) },
    ]);
  });

  it('rejects a record whose message does not decode (bad UTF-8) and goes on with the next', () => {
    const bad = encodeMessage({ ...msgs[1], type: 'ABCD' });
    const at = bad.indexOf(0x41); // 'A' of the Type
    bad[at] = 0xff;
    const stream = concat(framed[0], frameMessage(bad), framed[2]);
    const r = parseHindsightStream(stream);
    expect(decoded(r.accepted)).toEqual([msgs[0], msgs[2]]);
    expect(r.records).toEqual([1, 3]);
    expect(r.rejected.length).toBe(1);
    expect(r.rejected[0]).toMatchObject({ record: 2, byte: framed[0].length });
    expect(r.rejected[0].reason).toMatch(/Type.*invalid UTF-8/);
  });

  it('rejects a protobuf that is not a message', () => {
    const r = parseHindsightStream(concat(frameMessage(Uint8Array.of(0xff, 0xff, 0xff)), framed[0]));
    expect(decoded(r.accepted)).toEqual([msgs[0]]);
    expect(r.rejected[0].record).toBe(1);
  });

  it('reports a stream cut inside a record as truncated, or leaves it for the next chunk', () => {
    const whole = concat(framed[0], framed[1]);
    const cut = whole.subarray(0, framed[0].length + 30);
    const r = parseHindsightStream(cut);
    expect(decoded(r.accepted)).toEqual([msgs[0]]);
    expect(r.rejected).toEqual([{ record: 2, byte: framed[0].length, reason: 'truncated record: the stream ends 30 bytes into it' }]);
    const partial = parseHindsightStream(cut, { final: false });
    expect(partial.rejectedCount).toBe(0);
    expect(partial.consumed).toBe(framed[0].length);
    const rest = parseHindsightStream(whole.subarray(partial.consumed), { firstRecord: partial.nextRecord });
    expect(decoded(rest.accepted)).toEqual([msgs[1]]);
    expect(rest.records).toEqual([2]);
  });

  it('skips a stray separator that claims more bytes than remain, keeping the records after it', () => {
    const stray = Uint8Array.of(0x1e, 0x04, 0x08, 0xff, 0xff, 0x03); // declares ~64 KiB, then ends at the next 0x1e
    const r = parseHindsightStream(concat(framed[0], stray, framed[1]));
    expect(decoded(r.accepted)).toEqual([msgs[0], msgs[1]]);
    expect(r.rejectedCount).toBe(1);
  });

  it('rejects records declaring more than 64 KiB', () => {
    const huge = Uint8Array.of(0x1e, 0x04, 0x08, 0x81, 0x80, 0x04, 0x1f);
    const r = parseHindsightStream(concat(huge, framed[0]));
    expect(decoded(r.accepted)).toEqual([msgs[0]]);
    expect(r.rejected[0].reason).toMatch(/larger than 65536/);
  });

  it('gives a message without Uuid or Timestamp both, prepended to its bytes', () => {
    const full = encoded[3];
    // Uuid is the first 18 bytes (0x0a 0x10 + 16), Timestamp follows (0x10 varint).
    expect(full[0]).toBe(0x0a);
    let p = 18;
    expect(full[p]).toBe(0x10);
    p++;
    while (full[p] & 0x80) p++;
    p++;
    const headless = full.subarray(p);
    const r = parseHindsightStream(concat(frameMessage(headless), frameMessage(full.subarray(18))), {
      now: () => 1_800_000_000_000_000_000n,
    });
    expect(r.rejectedCount).toBe(0);
    const [a, b] = decoded(r.accepted);
    expect(a.uuid.length).toBe(16);
    expect(a.timestamp).toBe(1_800_000_000_000_000_000n);
    expect(b.timestamp).toBe(msgs[3].timestamp);
    expect({ ...a, uuid: msgs[3].uuid, timestamp: msgs[3].timestamp }).toEqual(msgs[3]);
    // The stored bytes are the received ones with the missing headers prepended.
    expect(decodeMessage(r.encoded[0])).toEqual(a);
    expect(r.encoded[0].subarray(r.encoded[0].length - headless.length)).toEqual(headless);
    expect(decodeMessage(r.encoded[1])).toEqual(b);
    const records = parseHindsightRecords(concat(frameMessage(headless), framed[0]), { now: () => 5n });
    expect(records.encoded.length).toBe(2);
    expect(decodeMessage(records.encoded[0]).timestamp).toBe(5n);
    expect(records.encoded[1]).toEqual(encoded[0]);
    expect(records.records).toEqual([1, 2]);
  });
});

describe('the reader: one scan per record, messages in place, what ingest refuses', () => {
  it('reads every record in place from the input (no record decoded in full)', () => {
    const input = concat(...framed);
    const r = parseHindsightStream(input);
    expect(r.accepted.every((m) => m instanceof LazyMessage)).toBe(true);
    expect(r.accepted.map((m) => (m as LazyMessage).bytes)).toEqual(encoded);
    expect(r.encoded.every((e) => e.buffer === input.buffer)).toBe(true);
  });

  it('rejects a record with no Heka header or field (only unknown tags), naming the tags', () => {
    const unknownOnly = Uint8Array.of(0x5a, 0x01, 0x78, 0x60, 0x05); // tag 11 (bytes "x"), tag 12 (varint 5)
    const r = parseHindsightStream(concat(frameMessage(unknownOnly), framed[0]));
    expect(decoded(r.accepted)).toEqual([msgs[0]]);
    expect(r.rejected).toEqual([{ record: 1, byte: 0, reason: 'no Heka header or field, only unknown tags 11, 12: not a Heka message' }]);
    // Uuid and Timestamp with unknown tags is a (headerless) message, as before.
    const withHeaders = concat(encoded[0].subarray(0, 18), Uint8Array.of(0x10, 0x01), unknownOnly);
    expect(parseHindsightRecords(frameMessage(withHeaders)).rejectedCount).toBe(0);
  });

  it('refuses the engine\'s Logger prefixes with refuseEngineLoggers (live ingest), and takes them without (files)', () => {
    const forged = ['analysis.alice.secret', 'input.sample', 'output.x', 'analysis.'].map((logger) => encodeMessage({ ...msgs[0], logger }));
    const fine = ['analysis', 'analysisx.y', 'Analysis.alice', 'telemetry', 'xanalysis.y'].map((logger) => encodeMessage({ ...msgs[0], logger }));
    const input = concat(...[...forged, ...fine].map((e) => frameMessage(e)));
    const live = parseHindsightRecords(input, { refuseEngineLoggers: true });
    expect(live.records).toEqual([5, 6, 7, 8, 9]);
    expect(live.rejected.map((x) => x.record)).toEqual([1, 2, 3, 4]);
    expect(live.rejected[0].reason).toBe(
      'Logger "analysis.alice.secret" is reserved: Logger values starting with "analysis." mark the engine\'s own messages (analysis., input., output.); use another Logger',
    );
    expect(live.rejected[1].reason).toMatch(/^Logger "input.sample" is reserved/);
    // A message read through the general scan (a Logger beyond ASCII) is judged the same way.
    const general = frameMessage(encodeMessage({ ...msgs[0], logger: 'output.日本' }));
    expect(parseHindsightRecords(general, { refuseEngineLoggers: true }).rejected[0].reason).toMatch(/^Logger "output.日本" is reserved/);
    expect(parseHindsightRecords(input).records).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
