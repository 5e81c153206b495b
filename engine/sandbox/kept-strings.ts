/**
 * The host's record of the column strings a plugin's VM keeps from one batch
 * to the next (see columns.ts).
 *
 * Why keep any: a plugin that counts by a value (`counts[dt] = ...`) uses it
 * as a property key, and QuickJS turns a string into a property key (an atom)
 * by hashing it and looking it up on every access, unless the string already
 * is an atom. A batch's strings arrive as plain strings, so the counting
 * plugin paid that lookup twice per message. Kept strings enter the VM once,
 * as the keys of a parsed JSON object (the key strings QuickJS makes are
 * atoms), and later batches refer to them by index.
 *
 * Making an atom costs more than a plain string (microseconds), so a string
 * is kept only when it recurs: seen in one batch, kept when the next batch
 * has it again, at most MAX_KEPT_PER_BATCH new ones per batch, and only short
 * ones. A column of ids, where few values recur, so costs little. When the
 * table is full and a batch wanted to keep more, the next batch starts it
 * over, so values that matter now displace ones that mattered once.
 */

/** Most strings kept at once. */
export const MAX_KEPT = 4096;
/** Most strings newly kept per batch. */
export const MAX_KEPT_PER_BATCH = 16;
/** Longer strings are never kept (unlikely keys, and an atom hashes all of it). */
export const MAX_KEPT_LENGTH = 256;

/**
 * "0", "42": QuickJS keys these by number, not by a string atom, so keeping
 * them gains nothing; and the VM relies on the kept strings coming back from
 * Object.keys in the order sent, which holds for every other string.
 */
function isArrayIndex(v: string): boolean {
  return v.length > 0 && v.length <= 10 && /^(?:0|[1-9][0-9]*)$/.test(v) && Number(v) < 4294967295;
}

/** What the VM must do before reading a batch: cut its table to `base`, then append `added` in order. */
export interface KeptChange {
  base: number;
  added: string[];
}

export class KeptStrings {
  /** Index in the VM's table of each kept string. */
  private readonly index = new Map<string, number>();
  private bytes = 0;
  /** Strings of the last batch that were not kept: the candidates. */
  private recent = new Set<string>();
  private next = new Set<string>();
  private added: string[] = [];
  /** The VM table's length before this batch's additions. */
  private base = 0;
  /** A candidate was refused for lack of room in this batch. */
  private full = false;

  /** @param maxBytes most bytes (UTF-16, plus overhead) kept at once: a share of the plugin's memory. */
  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.index.size;
  }

  /** Start encoding a batch; restarts the table when the last batch found it full. */
  beginBatch(): void {
    if (this.full) {
      this.index.clear();
      this.bytes = 0;
      this.base = 0;
      this.full = false;
    }
  }

  /** The kept index of v, or -1. */
  indexOf(v: string): number {
    const i = this.index.get(v);
    return i === undefined ? -1 : i;
  }

  /**
   * For a batch string that is not kept: keeps it and returns its index when
   * it recurs and there is room, else notes it and returns -1.
   */
  offer(v: string): number {
    if (v.length > MAX_KEPT_LENGTH || isArrayIndex(v)) return -1;
    if (!this.recent.has(v)) {
      this.next.add(v);
      return -1;
    }
    const size = v.length * 2 + 32;
    if (this.added.length >= MAX_KEPT_PER_BATCH || this.index.size >= MAX_KEPT || this.bytes + size > this.maxBytes) {
      if (this.added.length < MAX_KEPT_PER_BATCH) this.full = true;
      this.next.add(v); // still a candidate
      return -1;
    }
    const i = this.index.size;
    this.index.set(v, i);
    this.bytes += size;
    this.added.push(v);
    return i;
  }

  /** The batch is encoded: what the VM must do before reading it. */
  finishBatch(): KeptChange {
    const change = { base: this.base, added: this.added };
    // The two sets trade places: no new Set per batch.
    const recent = this.recent;
    recent.clear();
    this.recent = this.next;
    this.next = recent;
    this.added = [];
    this.base = this.index.size;
    return change;
  }
}
