/**
 * UTF-8 validity, decided as the fatal TextDecoder decides it (what
 * decodeMessage requires of every string), by hand so a scan can check a
 * range of a larger buffer without copying it, and skip ASCII a word at a
 * time (the records' text is nearly all ASCII).
 */

/**
 * Whether b[from, to) is valid UTF-8 as the fatal TextDecoder (decodeMessage's
 * check) decides: no stray or missing continuation bytes, no overlong forms,
 * no surrogates (ED A0..BF), nothing above U+10FFFF (F4 90 and up).
 */
export function validUtf8(b: Uint8Array, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    if (b[i] < 0x80) i++;
    else if ((i = utf8SequenceEnd(b, i, to)) < 0) return false;
  }
  return true;
}

/** Index of the first byte that does not start (or continue) a valid UTF-8 sequence; -1 if none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    if (b[i] < 0x80) i++;
    else {
      const next = utf8SequenceEnd(b, i, b.length);
      if (next < 0) return i;
      i = next;
    }
  }
  return -1;
}

/**
 * validUtf8 for a run of bytes in a larger buffer: ASCII stretches are
 * skipped a word at a time (w32 being the words of b's whole buffer, off b's
 * byteOffset).
 */
export function validUtf8Run(b: Uint8Array, w32: Int32Array<ArrayBufferLike>, off: number, from: number, to: number): boolean {
  const lastWord = (off + to) >> 2; // words before it lie wholly before `to`
  let i = from;
  while (i < to) {
    if (b[i] >= 0x80) {
      if ((i = utf8SequenceEnd(b, i, to)) < 0) return false;
    } else if (((off + ++i) & 3) === 0 && lastWord <= w32.length) {
      let k = (off + i) >> 2;
      while (k < lastWord && (w32[k] & 0x80808080) === 0) k++;
      i = (k << 2) - off;
    }
  }
  return true;
}

/** Where the UTF-8 sequence starting with b[i] (0x80 or more) ends, -1 when it is invalid or runs past `to`. */
function utf8SequenceEnd(b: Uint8Array, i: number, to: number): number {
  const c = b[i];
  let n: number; // continuation bytes
  let low = 0x80; // the bounds of the first continuation byte
  let high = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 2;
    if (c === 0xe0) low = 0xa0;
    else if (c === 0xed) high = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 3;
    if (c === 0xf0) low = 0x90;
    else if (c === 0xf4) high = 0x8f;
  } else return -1;
  if (i + n >= to) return -1;
  const c1 = b[i + 1];
  if (c1 < low || c1 > high) return -1;
  for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return -1;
  return i + n + 1;
}

/**
 * The OR of the bytes b[from, to), read a word at a time where it can (the
 * bits of 0x80808080 in the result are what matter). The words are those of
 * b's whole buffer, `off` being b's byteOffset; bytes outside the range in a
 * first or last word are masked away.
 */
export function orRange(b: Uint8Array, w32: Int32Array<ArrayBufferLike>, off: number, from: number, to: number): number {
  let any = 0;
  if (to - from < 8) {
    for (let i = from; i < to; i++) any |= b[i];
    return any;
  }
  const first = off + from;
  const last = off + to - 1;
  let k = first >> 2;
  const lastWord = last >> 2;
  if (lastWord >= w32.length) {
    for (let i = from; i < to; i++) any |= b[i];
    return any;
  }
  any = w32[k] & HEAD_MASK[first & 3];
  for (k++; k < lastWord; k++) any |= w32[k];
  return any | (w32[lastWord] & TAIL_MASK[last & 3]);
}

// HEAD_MASK[i]: the high bits of bytes i..3 of a word; TAIL_MASK[i]: of bytes
// 0..i (in memory order, so whatever the platform's byte order).
const HEAD_MASK = new Int32Array(4);
const TAIL_MASK = new Int32Array(4);
{
  const bytes = new Uint8Array(4);
  const word = new Int32Array(bytes.buffer);
  for (let i = 0; i < 4; i++) {
    bytes.fill(0);
    bytes.fill(0x80, i);
    HEAD_MASK[i] = word[0];
    bytes.fill(0);
    bytes.fill(0x80, 0, i + 1);
    TAIL_MASK[i] = word[0];
  }
}
