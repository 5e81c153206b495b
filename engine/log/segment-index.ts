/**
 * A segment's sparse offset index: every `intervalBytes` or so, the offset of
 * a record and its byte position, so reading from an offset scans at most one
 * interval. Kept in memory for the active segment and saved beside a sealed
 * segment as `<first>.idx` (checked by CRC and the segment's size, rebuilt
 * by a scan whenever it does not match: it is a cache, never the truth).
 */
import { crc32 } from 'node:zlib';

const MAGIC = 0x58495346; // "FSIX" little-endian
const VERSION = 1;
const HEADER_BYTES = 4 + 4 + 8 + 8 + 4; // magic, version, segment size, record count, entries
const ENTRY_BYTES = 8; // relative offset u32, position u32

export class SparseIndex {
  /** Offsets relative to the segment's first offset, ascending. */
  private rel: number[] = [];
  private pos: number[] = [];
  /** Position at which the next entry is due. */
  private nextDue = 0;

  constructor(readonly intervalBytes: number) {}

  get entries(): number {
    return this.rel.length;
  }

  /** Note the record `relOffset` at byte `position` (call for every record, in order). */
  note(relOffset: number, position: number): void {
    if (position >= this.nextDue) {
      this.rel.push(relOffset);
      this.pos.push(position);
      this.nextDue = position + this.intervalBytes;
    }
  }

  /** Forget entries at or beyond `position` (a rolled-back or truncated tail). */
  truncate(position: number): void {
    let n = this.pos.length;
    while (n > 0 && this.pos[n - 1] >= position) n--;
    this.rel.length = n;
    this.pos.length = n;
    this.nextDue = n === 0 ? 0 : this.pos[n - 1] + this.intervalBytes;
  }

  /** The last entry at or before relOffset: where to start scanning for it. */
  floor(relOffset: number): { relOffset: number; position: number } {
    let lo = 0;
    let hi = this.rel.length - 1;
    if (hi < 0 || this.rel[0] > relOffset) return { relOffset: 0, position: 0 };
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.rel[mid] <= relOffset) lo = mid;
      else hi = mid - 1;
    }
    return { relOffset: this.rel[lo], position: this.pos[lo] };
  }

  /** The `.idx` file content for a sealed segment of `size` bytes holding `count` records. */
  serialize(size: number, count: number): Uint8Array {
    const n = this.rel.length;
    const out = new Uint8Array(HEADER_BYTES + n * ENTRY_BYTES + 4);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, VERSION, true);
    view.setBigUint64(8, BigInt(size), true);
    view.setBigUint64(16, BigInt(count), true);
    view.setUint32(24, n, true);
    let p = HEADER_BYTES;
    for (let i = 0; i < n; i++, p += ENTRY_BYTES) {
      view.setUint32(p, this.rel[i], true);
      view.setUint32(p + 4, this.pos[i], true);
    }
    view.setUint32(p, crc32(out.subarray(0, p)), true);
    return out;
  }

  /**
   * Parse an `.idx` file written for a segment of exactly `size` bytes;
   * undefined when it is damaged, stale or from another version.
   */
  static parse(data: Uint8Array, size: number, intervalBytes: number): { index: SparseIndex; count: number } | undefined {
    if (data.length < HEADER_BYTES + 4) return undefined;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) return undefined;
    const n = view.getUint32(24, true);
    const end = HEADER_BYTES + n * ENTRY_BYTES;
    if (data.length !== end + 4) return undefined;
    if (view.getUint32(end, true) !== crc32(data.subarray(0, end))) return undefined;
    if (Number(view.getBigUint64(8, true)) !== size) return undefined;
    const count = Number(view.getBigUint64(16, true));
    const index = new SparseIndex(intervalBytes);
    let prevRel = -1;
    let prevPos = -1;
    for (let p = HEADER_BYTES; p < end; p += ENTRY_BYTES) {
      const rel = view.getUint32(p, true);
      const pos = view.getUint32(p + 4, true);
      if (rel <= prevRel || pos <= prevPos || rel >= count || pos >= size) return undefined;
      index.rel.push(rel);
      index.pos.push(pos);
      prevRel = rel;
      prevPos = pos;
    }
    index.nextDue = n === 0 ? 0 : prevPos + intervalBytes;
    return { index, count };
  }
}
