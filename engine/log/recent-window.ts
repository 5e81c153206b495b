/**
 * The most recent acknowledged messages, decoded, in a ring: live readers
 * that keep up read from here instead of the disk, and the web app's Run
 * Matcher takes a snapshot of it. Offsets in the window are contiguous:
 * [firstOffset, nextOffset).
 */
import type { Message } from '../message/message';
import { decodeMessage } from '../message/protobuf';

/** One message of the stream: its offset, its encoded protobuf and the decoded message. */
export interface LogEntry {
  readonly offset: number;
  /** The Heka protobuf as stored in the log (unframed). */
  readonly encoded: Uint8Array;
  /**
   * The decoded message: the object given to ingest, or decoded from
   * `encoded` on first access (and kept). Throws MessageError only if stored
   * bytes do not decode, which a log written by this code never holds.
   */
  readonly message: Message;
}

/**
 * A LogEntry that decodes on demand: readers that only forward `encoded`
 * (e.g. to worker threads) never pay for decoding, and the window holds
 * bytes rather than object graphs.
 */
export class StreamEntry implements LogEntry {
  readonly offset: number;
  readonly encoded: Uint8Array;
  private decoded: Message | undefined;
  private keep = true;

  constructor(offset: number, encoded: Uint8Array, message?: Message) {
    this.offset = offset;
    this.encoded = encoded;
    this.decoded = message;
  }

  get message(): Message {
    if (this.decoded) return this.decoded;
    const m = decodeMessage(this.encoded);
    if (this.keep) this.decoded = m;
    return m;
  }

  /** Whether the decoded message is held (given at ingest, or decoded and kept). */
  get isDecoded(): boolean {
    return this.decoded !== undefined;
  }

  /** Drop the decoded form and stop keeping it (a decoded message costs ~2 KB; the bytes ~0.4 KB). */
  release(): void {
    this.decoded = undefined;
    this.keep = false;
  }
}

export const DEFAULT_WINDOW_CAPACITY = 200_000;
export const DEFAULT_WINDOW_DECODED = 10_000;

export class RecentWindow {
  readonly capacity: number;
  /** Only the newest this-many entries keep a decoded message; older ones decode on access. */
  readonly decodedCapacity: number;
  private readonly ring: (LogEntry | undefined)[];
  /** Ring slot of the oldest entry. */
  private head = 0;
  private count = 0;
  private next = 0;

  constructor(capacity = DEFAULT_WINDOW_CAPACITY, decodedCapacity = Math.min(capacity, DEFAULT_WINDOW_DECODED)) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    if (!Number.isInteger(decodedCapacity) || decodedCapacity < 0) {
      throw new RangeError(`decoded capacity must be a non-negative integer, got ${decodedCapacity}`);
    }
    this.capacity = capacity;
    this.decodedCapacity = decodedCapacity;
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
    for (let i = 0; i < skip; i++) release(entries[i]);
    for (let i = skip; i < entries.length; i++) {
      const slot = (this.head + this.count) % cap;
      const evicted = this.ring[slot];
      if (evicted && this.count === cap) release(evicted);
      this.ring[slot] = entries[i];
      if (this.count < cap) this.count++;
      else this.head = (this.head + 1) % cap;
      // The entry that just left the decoded zone.
      if (this.count > this.decodedCapacity) {
        const cold = this.ring[(this.head + this.count - 1 - this.decodedCapacity) % cap];
        if (cold) release(cold);
      }
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

  /** Entry at `offset`, if the window holds it. */
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

function release(e: LogEntry): void {
  if (e instanceof StreamEntry) e.release();
}
