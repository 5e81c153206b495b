import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyRowDelta, MAX_WATCHED_ROWS, MembershipChanges, parseWatchedKeys, Throttle, WatchedRows, WatchError } from './live-deltas';

type Row = { id: string; n: number };

describe('WatchedRows', () => {
  it('pushes each viewer only its watched rows whose value changed', () => {
    const values = new Map<string, Row>([['a', { id: 'a', n: 1 }], ['b', { id: 'b', n: 1 }], ['c', { id: 'c', n: 1 }]]);
    const read = (k: string) => values.get(k) ?? null;
    const rows = new WatchedRows<Row>();
    expect(rows.watch('v1', ['a', 'b'])).toEqual(['a', 'b']);
    expect(rows.watch('v2', ['b'])).toEqual(['b']);
    for (const k of ['a', 'b']) rows.sentSnapshot(k, read(k));

    rows.changed('c'); // nobody shows c: not even pending
    expect(rows.hasPending).toBe(false);
    rows.changed('a'); // noted, but its value is what was sent: nothing to push
    expect(rows.flush(read).size).toBe(0);

    values.set('b', { id: 'b', n: 2 });
    rows.changed('b');
    rows.changed('b'); // twice in one interval: one push
    const deltas = rows.flush(read);
    expect(deltas.get('v1')).toEqual({ updated: [{ id: 'b', n: 2 }], removed: [] });
    expect(deltas.get('v2')).toEqual({ updated: [{ id: 'b', n: 2 }], removed: [] });
    expect(rows.hasPending).toBe(false);

    values.delete('a');
    rows.changed('a');
    expect([...rows.flush(read)]).toEqual([['v1', { updated: [], removed: ['a'] }]]);
  });

  it('forgets what a viewer no longer shows, and everything of a viewer that left', () => {
    const rows = new WatchedRows<Row>();
    rows.watch('v1', ['a', 'b']);
    rows.watch('v2', ['b']);
    expect(rows.watch('v1', ['b', 'c'])).toEqual(['c']); // a page change: only c is new to v1
    expect(rows.isWatched('a')).toBe(false);
    rows.unwatch('v2');
    expect(rows.isWatched('b')).toBe(true); // v1 still shows it
    rows.unwatch('v1');
    expect(rows.isWatched('b')).toBe(false);
    expect(rows.viewerCount).toBe(0);
    rows.changed('b');
    expect(rows.hasPending).toBe(false);
  });

  it('sends a row again after it was unwatched and watched anew (no stale memory of the last push)', () => {
    const rows = new WatchedRows<Row>();
    const read = () => ({ id: 'a', n: 1 });
    rows.watch('v1', ['a']);
    rows.changed('a');
    expect(rows.flush(read).size).toBe(1);
    rows.unwatch('v1');
    rows.watch('v1', ['a']);
    rows.changed('a');
    expect(rows.flush(read).size).toBe(1);
  });
});

describe('parseWatchedKeys', () => {
  it('accepts a page of keys, without duplicates', () => {
    expect(parseWatchedKeys(['a.b', 'a.b', 'c.d'])).toEqual(['a.b', 'c.d']);
    expect(parseWatchedKeys([])).toEqual([]);
  });

  it('refuses what is not a page of short strings, saying where', () => {
    expect(() => parseWatchedKeys('a')).toThrow(new WatchError('keys must be an array of row keys'));
    expect(() => parseWatchedKeys(null)).toThrow(WatchError);
    expect(() => parseWatchedKeys(Array(MAX_WATCHED_ROWS + 1).fill('k'))).toThrow(`at most ${MAX_WATCHED_ROWS} rows may be watched at once, got ${MAX_WATCHED_ROWS + 1}`);
    expect(() => parseWatchedKeys(['ok', 3])).toThrow('keys[1] must be a non-empty string of at most 500 characters');
    expect(() => parseWatchedKeys(['x'.repeat(501)])).toThrow('keys[0]');
    expect(() => parseWatchedKeys([''])).toThrow('keys[0]');
  });
});

describe('Throttle', () => {
  afterEach(() => vi.useRealTimers());

  it('flushes a burst of pokes once, after the interval, and again for pokes after that', () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const t = new Throttle(1000, flush);
    for (let i = 0; i < 200; i++) t.poke();
    vi.advanceTimersByTime(999);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(1);
    t.poke();
    vi.advanceTimersByTime(1000);
    expect(flush).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5000); // quiet: no flush without a poke
    expect(flush).toHaveBeenCalledTimes(2);
    t.poke();
    t.close();
    vi.advanceTimersByTime(5000);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('refuses an interval that is not positive', () => {
    expect(() => new Throttle(0, () => {})).toThrow(RangeError);
  });
});

describe('MembershipChanges', () => {
  it('names what came, went and changed since the last take, and a row that came and went not at all', () => {
    const m = new MembershipChanges();
    expect(m.isEmpty).toBe(true);
    m.add('a');
    m.add('b');
    m.remove('b');
    m.remove('c');
    m.update('d');
    m.update('a'); // new in this interval: "added" says it all
    expect(m.take()).toEqual({ added: ['a'], removed: ['c'], updated: ['d'], many: false });
    expect(m.isEmpty).toBe(true);
  });

  it('says "many" instead of naming more keys than its bound', () => {
    const m = new MembershipChanges(3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) m.add(k);
    expect(m.take()).toEqual({ added: [], removed: [], updated: [], many: true });
    expect(m.take().many).toBe(false);
  });
});

describe('applyRowDelta', () => {
  const rows: Row[] = [{ id: 'a', n: 1 }, { id: 'b', n: 1 }, { id: 'c', n: 1 }];
  const id = (r: Row) => r.id;

  it('replaces changed rows, drops removed ones and keeps every other row the same object', () => {
    const next = applyRowDelta(rows, { updated: [{ id: 'b', n: 2 }, { id: 'z', n: 9 }], removed: ['c'] }, id);
    expect(next).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    expect(next[0]).toBe(rows[0]);
  });

  it('returns the same array when nothing on the page changed (no re-render)', () => {
    expect(applyRowDelta(rows, { updated: [{ id: 'z', n: 1 }], removed: ['y'] }, id)).toBe(rows);
    expect(applyRowDelta(rows, { updated: [], removed: [] }, id)).toBe(rows);
  });
});
