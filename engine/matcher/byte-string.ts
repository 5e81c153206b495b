/**
 * Byte semantics for JS strings. lua_sandbox compares and pattern-matches the
 * UTF-8 bytes of a value; these helpers give the same answers on JS strings
 * (UTF-16) without encoding when that is provably unnecessary.
 *
 * A "binary string" below is a JS string whose every code unit is a byte
 * (0..255): the UTF-8 encoding of a value, one char per byte. An ASCII string
 * is its own binary string.
 */

const NON_ASCII = /[^\x00-\x7f]/;
const encoder = new TextEncoder();

export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/** The UTF-8 bytes of `s` (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Byte length of `s` in UTF-8, without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `s` as a binary string of its UTF-8 bytes; ASCII strings are returned as they are. */
export function utf8Binary(s: string): string {
  return isAscii(s) ? s : bytesToBinary(encoder.encode(s));
}

/** A byte array as a binary string. */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

/**
 * Compares two strings in UTF-8 byte order (memcmp order, which is code point
 * order), not UTF-16 order: the two differ only when a surrogate pair meets a
 * BMP character in U+E000..U+FFFF. Returns <0, 0 or >0.
 */
export function compareUtf8(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (D800-DFFF) encode code points above every BMP char
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** memcmp order of two byte arrays, shorter first on a common prefix. Returns <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Plain substring search on bytes (lua's lmemfind): an empty needle is found everywhere. */
export function bytesInclude(haystack: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0];
  const last = haystack.length - n;
  outer: for (let i = 0; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < n; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
