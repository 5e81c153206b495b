/**
 * The most recent acknowledged messages, decoded, in a ring: live readers
 * that keep up read from here instead of the disk, and the web app's Run
 * Matcher takes a snapshot of it. Offsets in the window are contiguous:
 * [firstOffset, nextOffset).
 */
import type { Message } from '../message/message';

/** One message of the stream: its offset, the decoded message and its encoded protobuf. */
export interface LogEntry {
  readonly offset: number;
  readonly message: Message;
  /** The Heka protobuf as stored in the log (unframed). */
  readonly encoded: Uint8Array;
}

export const DEFAULT_WINDOW_CAPACITY = 200_000;

export class RecentWindow {
  readonly capacity: number;
  private readonly ring: (LogEntry | undefined)[];
  /** Ring slot of the oldest entry. */
  private head = 0;
  private count = 0;
  private next = 0;

  constructor(capacity = DEFAULT_WINDOW_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.ring = new Array(capacity);
  }

  /** Offset of the oldest entry held (equals nextOffset when empty). */
  get firstOffset(): number {
    return this.next - this.count;
  }

  /** Offset after the newest entry. */
  get nextOffset(): number {
    return this.next;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Add entries with consecutive offsets following nextOffset. A batch that
   * starts later (offsets the window never saw) empties the window first,
   * so it stays contiguous.
   */
  push(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].offset;
    if (first < this.next && this.count > 0) {
      throw new RangeError(`window push at offset ${first} overlaps entries up to ${this.next - 1}`);
    }
    if (first !== this.next) this.clear(first);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.offset !== first + i) {
        throw new RangeError(`window push: entry ${i} has offset ${e.offset}, expected ${first + i}`);
      }
    }
    const cap = this.capacity;
    // Only the last `cap` entries of a huge batch can stay.
    const skip = entries.length > cap ? entries.length - cap : 0;
    for (let i = skip; i < entries.length; i++) {
      const slot = (this.head + this.count) % cap;
      this.ring[slot] = entries[i];
      if (this.count < cap) this.count++;
      else this.head = (this.head + 1) % cap;
    }
    this.next = first + entries.length;
  }

  /** Forget everything; the next entry expected is `nextOffset`. */
  clear(nextOffset = this.next): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.next = nextOffset;
  }

  get(offset: number): LogEntry | undefined {
    if (offset < this.firstOffset || offset >= this.next) return undefined;
    return this.ring[(this.head + (offset - this.firstOffset)) % this.capacity];
  }

  /** Up to `max` entries from `from` on (from the oldest held if `from` is older). */
  slice(from: number, max = Infinity): LogEntry[] {
    const start = Math.max(from, this.firstOffset);
    const n = Math.max(0, Math.min(this.next - start, max));
    const out: LogEntry[] = new Array(n);
    const cap = this.capacity;
    let slot = (this.head + (start - this.firstOffset)) % cap;
    for (let i = 0; i < n; i++) {
      out[i] = this.ring[slot] as LogEntry;
      slot = slot + 1 === cap ? 0 : slot + 1;
    }
    return out;
  }

  /** Every entry held, oldest first (the newest `max` when given). */
  snapshot(max = Infinity): LogEntry[] {
    return this.slice(Math.max(this.firstOffset, this.next - max));
  }
}
