import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../inputs/sample-messages';
import { encodeMessage } from '../message/protobuf';
import { RecentWindow, StreamEntry, type LogEntry } from './recent-window';

const msgs = sampleMessages(50, 3);
const entries = (first: number, n: number): LogEntry[] =>
  Array.from({ length: n }, (_, i) => ({ offset: first + i, message: msgs[(first + i) % 50], encoded: Uint8Array.of(i) }));
const offsets = (es: LogEntry[]) => es.map((e) => e.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('RecentWindow', () => {
  it('keeps the newest `capacity` entries in order as it wraps', () => {
    const w = new RecentWindow(10);
    expect(w.size).toBe(0);
    expect(w.firstOffset).toBe(0);
    w.push(entries(0, 4));
    w.push(entries(4, 5));
    expect(offsets(w.snapshot())).toEqual(range(0, 9));
    w.push(entries(9, 7));
    expect(w.size).toBe(10);
    expect(w.firstOffset).toBe(6);
    expect(w.nextOffset).toBe(16);
    expect(offsets(w.snapshot())).toEqual(range(6, 16));
    expect(offsets(w.snapshot(3))).toEqual([13, 14, 15]);
    expect(w.get(5)).toBeUndefined();
    expect(w.get(6)?.message).toBe(msgs[6]);
    expect(w.get(15)?.offset).toBe(15);
    expect(w.get(16)).toBeUndefined();
  });

  it('slices from an offset, clamped to what it holds', () => {
    const w = new RecentWindow(8);
    w.push(entries(100, 20)); // only the last 8 of a batch larger than the window stay
    expect(offsets(w.snapshot())).toEqual(range(112, 120));
    expect(offsets(w.slice(115))).toEqual([115, 116, 117, 118, 119]);
    expect(offsets(w.slice(115, 2))).toEqual([115, 116]);
    expect(offsets(w.slice(50, 3))).toEqual([112, 113, 114]);
    expect(w.slice(120)).toEqual([]);
    expect(w.slice(500)).toEqual([]);
  });

  it('starts over at a gap and refuses overlaps and non-consecutive batches', () => {
    const w = new RecentWindow(8);
    w.clear(40);
    expect(w.nextOffset).toBe(40);
    w.push(entries(40, 3));
    w.push(entries(50, 2)); // offsets 43..49 were never seen
    expect(offsets(w.snapshot())).toEqual([50, 51]);
    expect(() => w.push(entries(51, 1))).toThrow(/overlaps/);
    const bad = [...entries(52, 2), ...entries(60, 1)];
    expect(() => w.push(bad)).toThrow(/expected 54/);
    expect(() => new RecentWindow(0)).toThrow(RangeError);
  });

  it('keeps decoded messages only for the newest decodedCapacity entries; older ones decode on access', () => {
    const w = new RecentWindow(10, 3);
    const make = (first: number, n: number) =>
      Array.from({ length: n }, (_, i) => new StreamEntry(first + i, encodeMessage(msgs[first + i]), msgs[first + i]));
    w.push(make(0, 4));
    w.push(make(4, 4));
    const held = w.snapshot() as StreamEntry[];
    expect(held.map((e) => e.isDecoded)).toEqual([false, false, false, false, false, true, true, true]);
    // A cold entry still gives its message (decoded from bytes), without keeping it.
    expect(held[0].message).toEqual(msgs[0]);
    expect(held[0].message).not.toBe(held[0].message);
    expect(held[0].isDecoded).toBe(false);
    expect(held[7].message).toBe(msgs[7]);
    const none = new RecentWindow(5, 0);
    none.push(make(0, 2));
    expect((none.snapshot() as StreamEntry[]).map((e) => e.isDecoded)).toEqual([false, false]);
    expect(() => new RecentWindow(5, -1)).toThrow(RangeError);
  });
});
