/**
 * What each open page shows, and the changes to push to it: the rows a
 * viewer watches (its visible page of plugins or outputs), the keys changed
 * since the last push, and per viewer only the watched rows whose value
 * really changed. A change nobody watches costs a Set lookup; a push costs
 * what the viewers look at, whatever the number of plugins.
 *
 * Pure bookkeeping (no sockets, no timers): lib/realtime.ts keeps one per
 * list and lib/engine-bridge.ts flushes it on a throttle.
 */

/** Most rows one viewer may watch in one list: a page, never the whole list. */
export const MAX_WATCHED_ROWS = 200;
/** Longest key accepted (plugin ids and output names are far shorter). */
const MAX_KEY_LENGTH = 500;

export interface RowDelta<V> {
  /** Watched rows whose value changed, with their new value. */
  updated: V[];
  /** Watched rows that no longer exist. */
  removed: string[];
}

/** Why a watch request was refused, for the page's console and the tests. */
export class WatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchError';
  }
}

/** Checks a viewer's `keys` as sent over the socket: an array of at most MAX_WATCHED_ROWS short strings. */
export function parseWatchedKeys(keys: unknown): string[] {
  if (!Array.isArray(keys)) throw new WatchError('keys must be an array of row keys');
  if (keys.length > MAX_WATCHED_ROWS) throw new WatchError(`at most ${MAX_WATCHED_ROWS} rows may be watched at once, got ${keys.length}`);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_KEY_LENGTH) {
      throw new WatchError(`keys[${i}] must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
    }
  }
  return [...new Set(keys as string[])];
}

export class WatchedRows<V> {
  /** viewer -> the keys it shows. */
  private readonly viewers = new Map<string, Set<string>>();
  /** key -> how many viewers show it. */
  private readonly watchers = new Map<string, number>();
  /** Watched keys changed since the last flush. */
  private readonly pending = new Set<string>();
  /** key -> fingerprint of the value last pushed (null: pushed as removed). */
  private readonly pushed = new Map<string, string | null>();

  constructor(private readonly fingerprint: (value: V) => string = (v) => JSON.stringify(v)) {}

  /**
   * The viewer now shows exactly `keys` (replacing what it showed); returns
   * the keys it did not show before, whose current values it needs at once.
   */
  watch(viewer: string, keys: readonly string[]): string[] {
    const before = this.viewers.get(viewer) ?? new Set<string>();
    const next = new Set(keys);
    const added: string[] = [];
    for (const k of before) if (!next.has(k)) this.release(k);
    for (const k of next) {
      if (before.has(k)) continue;
      added.push(k);
      this.watchers.set(k, (this.watchers.get(k) ?? 0) + 1);
    }
    if (next.size) this.viewers.set(viewer, next);
    else this.viewers.delete(viewer);
    return added;
  }

  /** The viewer left (page closed, socket gone). */
  unwatch(viewer: string): void {
    const keys = this.viewers.get(viewer);
    if (!keys) return;
    for (const k of keys) this.release(k);
    this.viewers.delete(viewer);
  }

  isWatched(key: string): boolean {
    return this.watchers.has(key);
  }

  /** How many viewers watch anything (for the bridge: no viewers, no work). */
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Note a change; ignored unless some viewer shows the key. */
  changed(key: string): void {
    if (this.watchers.has(key)) this.pending.add(key);
  }

  /** Anything to flush? */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * The deltas since the last flush, per viewer: each pending key read once
   * (`read` returns null for a row that is gone), pushed only when its
   * fingerprint differs from what was pushed last.
   */
  flush(read: (key: string) => V | null): Map<string, RowDelta<V>> {
    const changed = new Map<string, V | null>();
    for (const key of this.pending) {
      if (!this.watchers.has(key)) continue;
      const value = read(key);
      const print = value === null ? null : this.fingerprint(value);
      if (this.pushed.has(key) && this.pushed.get(key) === print) continue;
      this.pushed.set(key, print);
      changed.set(key, value);
    }
    this.pending.clear();
    const out = new Map<string, RowDelta<V>>();
    if (changed.size === 0) return out;
    for (const [viewer, keys] of this.viewers) {
      let delta: RowDelta<V> | undefined;
      for (const [key, value] of changed) {
        if (!keys.has(key)) continue;
        delta ??= { updated: [], removed: [] };
        if (value === null) delta.removed.push(key);
        else delta.updated.push(value);
      }
      if (delta) out.set(viewer, delta);
    }
    return out;
  }

  /**
   * A viewer was just sent `value` for `key` as its snapshot. When no push
   * of the key is on record (no one watched it before), the snapshot is the
   * record, so the next flush does not send the same value again.
   */
  sentSnapshot(key: string, value: V | null): void {
    if (this.watchers.has(key) && !this.pushed.has(key)) this.pushed.set(key, value === null ? null : this.fingerprint(value));
  }

  private release(key: string): void {
    const n = (this.watchers.get(key) ?? 1) - 1;
    if (n > 0) {
      this.watchers.set(key, n);
      return;
    }
    this.watchers.delete(key);
    this.pending.delete(key);
    this.pushed.delete(key);
  }
}

/**
 * Calls `flush` at most once per `intervalMs`: the first poke after a quiet
 * spell schedules it `intervalMs` later, and pokes meanwhile join that flush
 * (so a burst of 200 updates a second is one push, not 200).
 */
export class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => void,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  }

  poke(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Keys added and removed since the last flush, for "the list changed"
 * notices; bounded, so a thousand deploys make one short notice.
 */
export class MembershipChanges {
  private added = new Set<string>();
  private removed = new Set<string>();
  private updated = new Set<string>();
  private overflow = false;

  constructor(private readonly maxKeys = MAX_WATCHED_ROWS) {}

  add(key: string): void {
    this.removed.delete(key);
    this.note(this.added, key);
  }

  remove(key: string): void {
    if (this.added.delete(key)) return; // came and went within one interval
    this.updated.delete(key);
    this.note(this.removed, key);
  }

  /** The row still exists but something a page shows beyond live figures changed (version, state). */
  update(key: string): void {
    if (!this.added.has(key)) this.note(this.updated, key);
  }

  get isEmpty(): boolean {
    return !this.overflow && this.added.size === 0 && this.removed.size === 0 && this.updated.size === 0;
  }

  /** What changed; `many` means more than maxKeys did and pages should simply reload theirs. */
  take(): { added: string[]; removed: string[]; updated: string[]; many: boolean } {
    const out = { added: [...this.added], removed: [...this.removed], updated: [...this.updated], many: this.overflow };
    if (out.many) out.added = out.removed = out.updated = [];
    this.added = new Set();
    this.removed = new Set();
    this.updated = new Set();
    this.overflow = false;
    return out;
  }

  private note(set: Set<string>, key: string): void {
    if (this.overflow) return;
    set.add(key);
    if (this.added.size + this.removed.size + this.updated.size > this.maxKeys) this.overflow = true;
  }
}

/**
 * A page's rows with a delta applied: changed rows replaced (new objects, so
 * only they re-render), removed rows dropped, every other row the same
 * object as before; rows not on the page are ignored.
 */
export function applyRowDelta<V>(rows: readonly V[], delta: RowDelta<V>, keyOf: (row: V) => string): V[] {
  if (delta.updated.length === 0 && delta.removed.length === 0) return rows as V[];
  const updated = new Map(delta.updated.map((v) => [keyOf(v), v]));
  const removed = new Set(delta.removed);
  let changed = false;
  const out: V[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    if (removed.has(key)) {
      changed = true;
      continue;
    }
    const next = updated.get(key);
    if (next !== undefined) changed = true;
    out.push(next ?? row);
  }
  return changed ? out : (rows as V[]);
}
