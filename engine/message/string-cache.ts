/**
 * Bytes to strings for the protobuf decoders (protobuf.ts's full decode and
 * lazy-message.ts's reads in place). Short ASCII strings (field names, types,
 * hosts, enum-like values) repeat from message to message: a small
 * direct-mapped cache returns the same string without allocating, and the
 * same string object makes Map lookups and === on it cheap downstream.
 */

// Node's Buffer, when present: its latin1Slice works on any Uint8Array and is
// the fastest bytes-to-string path for ASCII. Elsewhere TextDecoder does it all.
export const nodeBuffer = (
  globalThis as {
    Buffer?: {
      prototype: {
        latin1Slice(this: Uint8Array, start: number, end: number): string;
        utf8Slice(this: Uint8Array, start: number, end: number): string;
      };
    };
  }
).Buffer;

export const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const STRING_CACHE_MAX_LENGTH = 32;
const STRING_CACHE_SIZE = 2048;
const stringCache: string[] = new Array<string>(STRING_CACHE_SIZE).fill('');
// The bytes of each cached string, STRING_CACHE_MAX_LENGTH per slot: comparing
// bytes with bytes is cheaper than with charCodeAt.
const stringCacheBytes = new Uint8Array(STRING_CACHE_SIZE * STRING_CACHE_MAX_LENGTH);

/** b[start, stop) known to be ASCII, as a string. */
export function asciiSlice(b: Uint8Array, start: number, stop: number): string {
  if (nodeBuffer !== undefined) return nodeBuffer.prototype.latin1Slice.call(b, start, stop);
  return utf8Decoder.decode(b.subarray(start, stop));
}

/**
 * b[start, stop) as a string when it is ASCII and at most
 * STRING_CACHE_MAX_LENGTH bytes (from the cache when seen before); undefined
 * otherwise, for the caller's own UTF-8 path. The slot comes from the length
 * and five sampled bytes; the byte-by-byte comparison that confirms a hit also
 * proves the bytes ASCII (cached strings are), so a hit reads each byte once.
 */
export function cachedAsciiString(b: Uint8Array, start: number, stop: number): string | undefined {
  const len = stop - start;
  const last = stop - 1;
  const quarter = len >> 2;
  let h = Math.imul(len ^ b[start], 0x01000193);
  h = Math.imul(h ^ b[start + quarter], 0x01000193);
  h = Math.imul(h ^ b[start + (len >> 1)], 0x01000193);
  h = Math.imul(h ^ b[last - quarter], 0x01000193);
  h = Math.imul(h ^ b[last], 0x01000193);
  const slot = (h ^ (h >>> 15)) & (STRING_CACHE_SIZE - 1);
  const cached = stringCache[slot];
  const at = slot * STRING_CACHE_MAX_LENGTH;
  if (cached.length === len) {
    const cb = stringCacheBytes;
    let k = 0;
    while (k < len && cb[at + k] === b[start + k]) k++;
    if (k === len) return cached;
  }
  let i = start;
  while (i < stop && b[i] < 0x80) i++;
  if (i !== stop) return undefined;
  const s = asciiSlice(b, start, stop);
  stringCache[slot] = s;
  for (let k = 0; k < len; k++) stringCacheBytes[at + k] = b[start + k];
  return s;
}
