/**
 * A literal (a matcher's string, a field name, a plugin's Logger) prepared
 * for comparing with bytes in a record four at a time: what a message read in
 * place compares instead of making the record's string.
 *
 * Comparing byte by byte through a Uint8Array costs V8 a bounds check and a
 * load per byte; `Type == 'telemetry' && Fields[docType] == 'main'` on a
 * message read in place spent most of its time there. Here a literal of n >= 4
 * bytes is compared as whole little-endian words from its start, then its last
 * four bytes (overlapping the previous word when n is not a multiple of
 * four), so 4 to 8 bytes take two reads and never one beyond the literal's end.
 */
export class ByteLiteral {
  readonly length: number;
  /** The words at byte 0, 4, 8, ... that begin before the last four bytes. */
  readonly words: Int32Array;
  /** The last four bytes as one word (0 when shorter than four). */
  readonly last: number;

  constructor(readonly bytes: Uint8Array) {
    const n = bytes.length;
    this.length = n;
    const view = new DataView(bytes.buffer, bytes.byteOffset, n);
    this.words = new Int32Array(n > 4 ? ((n - 5) >> 2) + 1 : 0);
    for (let k = 0, i = 0; k < n - 4; k += 4, i++) this.words[i] = view.getInt32(k, true);
    this.last = n >= 4 ? view.getInt32(n - 4, true) : 0;
  }
}

const encoder = new TextEncoder();

/** `text` as UTF-8 (a lone surrogate becomes U+FFFD's bytes, as TextEncoder writes it). */
export function utf8Literal(text: string): ByteLiteral {
  return new ByteLiteral(encoder.encode(text));
}

/**
 * Whether b[at, at + lit.length) holds lit's bytes. `view` is a DataView over
 * the same bytes as `b` (same start), and the caller knows the range lies
 * within them.
 */
export function literalAt(view: DataView, b: Uint8Array, at: number, lit: ByteLiteral): boolean {
  const n = lit.length;
  if (n < 4) {
    const want = lit.bytes;
    for (let k = 0; k < n; k++) if (b[at + k] !== want[k]) return false;
    return true;
  }
  if (view.getInt32(at + n - 4, true) !== lit.last) return false;
  const words = lit.words;
  for (let k = 0, i = 0; k < n - 4; k += 4, i++) if (view.getInt32(at + k, true) !== words[i]) return false;
  return true;
}
