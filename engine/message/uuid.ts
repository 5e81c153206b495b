/** Uuid header helpers: 16 raw bytes in a Message, text at the edges. */
import { uuidToHex } from './fields';
import { MessageError } from './message';

const UUID_SIZE = 16;

/** A random (version 4, RFC 4122 variant) UUID, as lsb_write_heka_uuid makes them. */
export function newUuid(): Uint8Array {
  const u = new Uint8Array(UUID_SIZE);
  crypto.getRandomValues(u);
  u[6] = (u[6] & 0x0f) | 0x40;
  u[8] = (u[8] & 0x3f) | 0x80;
  return u;
}

/**
 * The 16 bytes of a UUID written as 32 hex digits or in the 36-character
 * canonical form (8-4-4-4-12), either case; undefined for anything else.
 */
export function parseUuid(s: string): Uint8Array | undefined {
  let hex: string;
  if (s.length === 32) hex = s;
  else if (s.length === 36 && s[8] === '-' && s[13] === '-' && s[18] === '-' && s[23] === '-') {
    hex = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
  } else return undefined;
  const u = new Uint8Array(UUID_SIZE);
  for (let i = 0; i < UUID_SIZE; i++) {
    const hiNibble = hexDigit(hex.charCodeAt(2 * i));
    const loNibble = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hiNibble < 0 || loNibble < 0) return undefined;
    u[i] = (hiNibble << 4) | loNibble;
  }
  return u;
}

/** Like parseUuid, but throws MessageError saying what is wrong. */
export function uuidFromString(s: string): Uint8Array {
  const u = parseUuid(s);
  if (!u) {
    throw new MessageError(
      `invalid UUID ${JSON.stringify(s.length > 40 ? s.slice(0, 40) + '...' : s)}: expected 32 hex digits or the 36-character 8-4-4-4-12 form`,
    );
  }
  return u;
}

/** The canonical lower-case 36-character form, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e". */
export function uuidToString(u: Uint8Array): string {
  if (u.length !== UUID_SIZE) throw new MessageError(`a UUID is ${UUID_SIZE} bytes, got ${u.length}`);
  const h = uuidToHex(u);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}
