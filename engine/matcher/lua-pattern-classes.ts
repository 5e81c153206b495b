/**
 * Single-character pattern items as Lua 5.1's lstrlib.c defines them
 * (classend, match_class, matchbracketclass, singlematch), over bytes, with
 * the C locale's ctype. Shared by the pattern checker and the interpreter so
 * both agree byte for byte.
 *
 * Patterns are Uint8Arrays with at least two trailing 0 bytes: index `len` is
 * the C string's terminating NUL, as the original pointer code assumes.
 */

export const L_ESC = 0x25; // '%'

// C locale ctype: nothing at or above 0x80 is in any class.
const isalpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isdigit = (c: number) => c >= 0x30 && c <= 0x39;
const islower = (c: number) => c >= 0x61 && c <= 0x7a;
const isupper = (c: number) => c >= 0x41 && c <= 0x5a;
const isspace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const iscntrl = (c: number) => c < 0x20 || c === 0x7f;
const isalnum = (c: number) => isalpha(c) || isdigit(c);
const isxdigit = (c: number) => isdigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const ispunct = (c: number) => c > 0x20 && c < 0x7f && !isalnum(c);

function tolower(c: number): number {
  return isupper(c) ? c + 0x20 : c;
}

/** `%<cl>` against byte c: %a %c %d %l %p %s %u %w %x %z, upper case for the complement, else cl literally. */
export function matchClass(c: number, cl: number): boolean {
  let res: boolean;
  switch (tolower(cl)) {
    case 0x61: // a
      res = isalpha(c);
      break;
    case 0x63: // c
      res = iscntrl(c);
      break;
    case 0x64: // d
      res = isdigit(c);
      break;
    case 0x6c: // l
      res = islower(c);
      break;
    case 0x70: // p
      res = ispunct(c);
      break;
    case 0x73: // s
      res = isspace(c);
      break;
    case 0x75: // u
      res = isupper(c);
      break;
    case 0x77: // w
      res = isalnum(c);
      break;
    case 0x78: // x
      res = isxdigit(c);
      break;
    case 0x7a: // z
      res = c === 0;
      break;
    default:
      return cl === c;
  }
  return islower(cl) ? res : !res;
}

/**
 * Index just past the single-char item starting at i, or a negative code for
 * a malformed item: -1 pattern ends with '%', -2 missing ']'.
 */
export function classEnd(p: Uint8Array, i: number): number {
  switch (p[i++]) {
    case L_ESC:
      if (p[i] === 0) return -1;
      return i + 1;
    case 0x5b: // '['
      if (p[i] === 0x5e) i++; // '^'
      do {
        // look for a ']'
        if (p[i] === 0) return -2;
        if (p[i++] === L_ESC && p[i] !== 0) i++; // skip escapes (e.g. '%]')
      } while (p[i] !== 0x5d);
      return i + 1;
    default:
      return i;
  }
}

/** Is byte c in the set p[i] === '[' .. p[ec] === ']'? */
export function matchBracketClass(c: number, p: Uint8Array, i: number, ec: number): boolean {
  let sig = true;
  if (p[i + 1] === 0x5e) {
    sig = false;
    i++; // skip the '^'
  }
  while (++i < ec) {
    if (p[i] === L_ESC) {
      i++;
      if (matchClass(c, p[i])) return sig;
    } else if (p[i + 1] === 0x2d && i + 2 < ec) {
      // a range like a-z
      i += 2;
      if (p[i - 2] <= c && c <= p[i]) return sig;
    } else if (p[i] === c) return sig;
  }
  return !sig;
}

/** Does byte c match the single-char item p[i]..p[ep-1]? */
export function singleMatch(c: number, p: Uint8Array, i: number, ep: number): boolean {
  switch (p[i]) {
    case 0x2e: // '.'
      return true;
    case L_ESC:
      return matchClass(c, p[i + 1]);
    case 0x5b: // '['
      return matchBracketClass(c, p, i, ep - 1);
    default:
      return p[i] === c;
  }
}
