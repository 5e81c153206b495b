/**
 * read_message(name, fi, ai) on the host side: what a name means and the
 * value it reads from a Message. The VM-side read_message serves learned
 * names from columns (columns.ts) and asks here for everything else.
 */
import { HEADER_NAMES, readHeader, type HeaderName } from '../message/fields';
import { readMessageField } from '../message/lazy-message';
import { frameMessage } from '../message/framing';
import type { Message } from '../message/message';
import { encodeMessage, encodedSize } from '../message/protobuf';

export type ReadTarget =
  | { kind: 'header'; name: HeaderName }
  | { kind: 'field'; name: string; fi: number; ai: number }
  | { kind: 'raw' }
  | { kind: 'framed' }
  | { kind: 'size' };

/** What read_message returns to plugins; BYTES values and raw/framed are Uint8Array. */
export type ReadValue = string | number | boolean | Uint8Array | undefined;

const HEADERS = new Set<string>(HEADER_NAMES);
const FIELD_NAME = /^Fields\[(.+?)\](?:\[(\d+)\])?(?:\[(\d+)\])?$/s;

/**
 * Parse read_message's arguments; throws TypeError/RangeError worded for the
 * plugin author. Indexes may be given in the name as the matcher writes them
 * ("Fields[x][1][0]") or as arguments, not both.
 */
export function parseReadName(name: unknown, fi: unknown, ai: unknown): ReadTarget {
  if (typeof name !== 'string') {
    throw new TypeError(`read_message() name must be a string, got ${describe(name)}`);
  }
  const fieldIndex = checkIndex(fi, 'field index (2nd argument)');
  const arrayIndex = checkIndex(ai, 'array index (3rd argument)');
  if (HEADERS.has(name)) return { kind: 'header', name: name as HeaderName };
  if (name === 'raw' || name === 'framed' || name === 'size') return { kind: name };
  const m = FIELD_NAME.exec(name);
  if (m) {
    if ((m[2] !== undefined || m[3] !== undefined) && (fi !== undefined || ai !== undefined)) {
      throw new TypeError(
        `read_message("${name}") already has indexes in the name; do not also pass them as arguments`,
      );
    }
    const f = m[2] !== undefined ? Number(m[2]) : fieldIndex;
    const a = m[3] !== undefined ? Number(m[3]) : arrayIndex;
    return { kind: 'field', name: internalize(m[1]), fi: f, ai: a };
  }
  throw new TypeError(
    `read_message() unknown name ${JSON.stringify(name.length > 60 ? name.slice(0, 60) + '...' : name)}: ` +
      `expected a header (${HEADER_NAMES.join(', ')}), Fields[name], raw, framed or size`,
  );
}

/**
 * The engine's own copy of a string: field names in messages are usually
 * such copies (literals, parsed keys), and V8 compares two of them by address,
 * which matters in the per-message column loop.
 */
function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

function checkIndex(v: unknown, what: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`read_message() ${what} must be an integer, got ${describe(v)}`);
  }
  if (v < 0) throw new RangeError(`read_message() ${what} must be >= 0, got ${v}`);
  return v;
}

/**
 * The value `target` reads from `m`: headers as readHeader gives them (Uuid
 * as 32 hex digits, Timestamp in ns as a number), INTEGER values as numbers
 * (beyond 2^53 they lose precision, as Lua doubles do), BYTES as a fresh
 * Uint8Array, `raw`/`framed` the protobuf and its Hindsight framing, `size`
 * the protobuf's length.
 */
export function readValue(m: Message, target: ReadTarget): ReadValue {
  switch (target.kind) {
    case 'header':
      return readHeader(m, target.name);
    case 'field': {
      const v = readMessageField(m, target.name, target.fi, target.ai);
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Uint8Array) return v.slice();
      return v;
    }
    case 'raw':
      return encoded(m).slice();
    case 'framed':
      return frameMessage(encoded(m));
    case 'size':
      return encodedSize(m);
  }
}

// Several plugins may read raw bytes of the same message; encode it once.
const encodedCache = new WeakMap<Message, Uint8Array>();
function encoded(m: Message): Uint8Array {
  let bytes = encodedCache.get(m);
  if (!bytes) {
    bytes = encodeMessage(m);
    encodedCache.set(m, bytes);
  }
  return bytes;
}

/**
 * The key the VM-side read_message looks a column up by. Must match the
 * driver exactly: the name alone when no index argument is given, else
 * name NUL fi NUL ai with JavaScript's number-to-string conversion.
 */
export function columnKey(name: string, fi: number | undefined, ai: number | undefined): string {
  return fi === undefined && ai === undefined ? name : `${name}\u0000${String(fi)}\u0000${String(ai)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}
