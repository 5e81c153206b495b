/**
 * Columns: the read_message() values a plugin is known to read, for a whole
 * batch of messages, packed so they cross into QuickJS in one call.
 *
 * Every VM<->host crossing costs several microseconds, more than the plugin
 * logic itself, so the host learns which keys a plugin reads (the first time
 * through the slow host callback) and from then on sends, per batch:
 *
 * - `strings`: the distinct strings of all columns joined by a separator that
 *   none contains (one string, split once in the VM), or, when a string holds
 *   NUL (which cannot cross: host strings enter QuickJS as C strings), a JSON
 *   array of them and separator '';
 * - `buffer`: an ArrayBuffer holding the distinct numbers (Float64), then the
 *   all-numeric columns as Float64 arrays, then one index array (Uint16 or
 *   Uint32) per dictionary column;
 * - `meta`: JSON `[sep, nStrings, nNumbers, ixBytes, n, keptBase, keptAdded, key, kind, byteOffset, ...]`
 *   (keptAdded: an object whose keys are the strings to keep, in order, or 0);
 *
 * - in `meta`, the change to the strings the VM keeps between batches
 *   (kept-strings.ts): the length to cut its table to, and the strings to
 *   append, as the keys of an object so that QuickJS makes them atoms.
 *
 * The VM builds one dictionary D = kept strings ++ strings ++ numbers ++
 * [true, false, undefined]; a dictionary column reads D[ix[i]], a numeric
 * column (every message has a number there) reads its Float64 array
 * directly. Bytes values are never sent as columns (each read must return a
 * fresh Uint8Array), so such keys stay on the host callback.
 */
import { readMessageField } from '../message/lazy-message';
import type { Message } from '../message/message';
import type { KeptStrings } from './kept-strings';
import { readValue, type ReadTarget, type ReadValue } from './read-message';

export interface LearnedKey {
  /** The VM-side lookup key (read-message.ts columnKey). */
  key: string;
  target: ReadTarget;
}

export interface ColumnBatch {
  /** '' when no column is sent. */
  meta: string;
  strings: string;
  buffer: ArrayBuffer;
  /** Keys sent, in order. */
  keys: string[];
}

const KIND_NUMBERS = 0;
const KIND_DICTIONARY = 1;

// Temporary codes while the dictionary grows: >= 0 a string index, then these, then numbers.
const CODE_TRUE = -1;
const CODE_FALSE = -2;
const CODE_UNDEFINED = -3;
const CODE_NUMBER = -4; // not yet in the dictionary
const CODE_FIRST_NUMBER = -5;
// A kept string's code: this bit plus its index in the kept table.
const CODE_KEPT = 1 << 29;

const SEPARATOR_CANDIDATES = [
  0x01, 0x1f, 0x1e, 0x1d, 0x1c, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0e, 0x0f, 0x10, 0xfffe, 0xffff, 0xe000,
];

/**
 * Encode the columns of `keys` over `messages`. A key whose values include
 * bytes, or whose new strings would take the batch over `budgetBytes` (the
 * columns live in the plugin's QuickJS heap, under its memory limit), is left
 * out and served by the host callback for this batch. `kept` is the
 * plugin's record of the strings its VM keeps between batches (none when
 * absent); the batch brings the VM's table up to date.
 */
export function encodeColumns(
  messages: readonly Message[],
  keys: readonly LearnedKey[],
  budgetBytes: number,
  kept?: KeptStrings,
): ColumnBatch {
  kept?.beginBatch();
  // A plugin that has read nothing yet: nothing to build (and no string was offered to keep).
  if (keys.length === 0) {
    kept?.finishBatch();
    return { meta: '', strings: '', buffer: new ArrayBuffer(0), keys: [] };
  }
  const n = messages.length;
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const numbers: number[] = [];
  const numberIndex = new Map<number, number>();
  const numericColumns: { key: string; values: Float64Array }[] = [];
  const dictColumns: { key: string; codes: Int32Array }[] = [];
  let used = 0;
  const scratch = scratchSlots(keys.length * (3 * n + 2));
  let scratchUsed = 0;

  for (const { key, target } of keys) {
    const read = valueReader(target);
    // One pass over the messages. Each key gets 3n Int32 slots of scratch: n
    // codes, then (8-byte aligned) n Float64 numbers. Numbers enter the
    // dictionary only if the column turns out not to be all numbers.
    const codes = scratch.subarray(scratchUsed, scratchUsed + n);
    const numbersAt = scratchUsed + n + (n & 1);
    const nums = new Float64Array(scratch.buffer, numbersAt * 4, n);
    const stringsBefore = strings.length;
    let added = n * 4;
    let allNumbers = true;
    let bytes = false;
    let lastString: string | undefined; // field values repeat: "main" most of the time
    let lastCode = 0;
    for (let j = 0; j < n; j++) {
      const v = read(messages[j]);
      switch (typeof v) {
        case 'string': {
          allNumbers = false;
          if (v === lastString) {
            codes[j] = lastCode;
            break;
          }
          let code = stringIndex.get(v);
          if (code === undefined) {
            const k = kept === undefined ? -1 : keptIndex(kept, v);
            if (k >= 0) code = CODE_KEPT | k;
            else {
              code = strings.length;
              strings.push(v);
              added += v.length * 2 + 16;
            }
            stringIndex.set(v, code);
          }
          codes[j] = code;
          lastString = v;
          lastCode = code;
          break;
        }
        case 'number':
          nums[j] = v;
          codes[j] = CODE_NUMBER;
          break;
        case 'boolean':
          allNumbers = false;
          codes[j] = v ? CODE_TRUE : CODE_FALSE;
          break;
        case 'undefined':
          allNumbers = false;
          codes[j] = CODE_UNDEFINED;
          break;
        default:
          bytes = true; // Uint8Array: each read needs a fresh copy, so the host serves it
      }
      if (bytes) break;
    }
    const rollback = (): void => {
      for (let k = stringsBefore; k < strings.length; k++) stringIndex.delete(strings[k]);
      strings.length = stringsBefore;
    };
    if (bytes) {
      rollback();
      continue;
    }
    if (allNumbers) {
      if (used + n * 8 > budgetBytes) continue;
      used += n * 8;
      scratchUsed = numbersAt + 2 * n;
      numericColumns.push({ key, values: nums });
      continue;
    }
    const numbersBefore = numbers.length;
    for (let j = 0; j < n; j++) {
      if (codes[j] !== CODE_NUMBER) continue;
      const v = nums[j];
      // Map keys conflate 0 and -0; keep -0 distinct so it reads back as -0.
      const negativeZero = v === 0 && 1 / v < 0;
      let k = negativeZero ? undefined : numberIndex.get(v);
      if (k === undefined) {
        k = numbers.length;
        numbers.push(v);
        if (!negativeZero) numberIndex.set(v, k);
        added += 8;
      }
      codes[j] = CODE_FIRST_NUMBER - k;
    }
    if (used + added > budgetBytes) {
      rollback();
      for (let k = numbersBefore; k < numbers.length; k++) numberIndex.delete(numbers[k]);
      numbers.length = numbersBefore;
      continue;
    }
    used += added;
    scratchUsed = numbersAt; // the codes stay; the numbers region is free again
    dictColumns.push({ key, codes });
  }

  const change = kept?.finishBatch();
  const keptAdded = change?.added ?? [];
  if (numericColumns.length === 0 && dictColumns.length === 0 && keptAdded.length === 0) {
    return { meta: '', strings: '', buffer: new ArrayBuffer(0), keys: [] };
  }
  const keptBase = change?.base ?? 0;
  const nKept = keptBase + keptAdded.length;

  // '' means `strings` is a JSON array: rare, so the common case stays a cheap split.
  const sep = strings.length === 0 ? '\u0001' : (pickSeparator(strings) ?? '');

  const nStr = strings.length;
  const nNum = numbers.length;
  const dictSize = nKept + nStr + nNum + 3;
  const ixBytes = dictSize <= 0xffff ? 2 : 4;
  const numbersBytes = nNum * 8;
  const numericBytes = numericColumns.length * n * 8;
  const ixStart = align(numbersBytes + numericBytes, 4);
  const buffer = new ArrayBuffer(align(ixStart + dictColumns.length * n * ixBytes, 8));

  new Float64Array(buffer, 0, nNum).set(numbers);
  let keptObject: Record<string, number> | 0 = 0;
  if (keptAdded.length > 0) {
    keptObject = Object.create(null) as Record<string, number>;
    for (const v of keptAdded) keptObject[v] = 0;
  }
  const meta: unknown[] = [sep, nStr, nNum, ixBytes, n, keptBase, keptObject];
  const sent: string[] = [];
  let offset = numbersBytes;
  for (const col of numericColumns) {
    new Float64Array(buffer, offset, n).set(col.values);
    meta.push(col.key, KIND_NUMBERS, offset);
    sent.push(col.key);
    offset += n * 8;
  }
  offset = ixStart;
  for (const col of dictColumns) {
    const ix = ixBytes === 2 ? new Uint16Array(buffer, offset, n) : new Uint32Array(buffer, offset, n);
    const codes = col.codes;
    for (let j = 0; j < n; j++) {
      const c = codes[j];
      ix[j] =
        c >= CODE_KEPT
          ? c - CODE_KEPT
          : c >= 0
            ? nKept + c
            : c <= CODE_FIRST_NUMBER
              ? nKept + nStr + (CODE_FIRST_NUMBER - c)
              : c === CODE_TRUE
                ? nKept + nStr + nNum
                : c === CODE_FALSE
                  ? nKept + nStr + nNum + 1
                  : nKept + nStr + nNum + 2;
    }
    meta.push(col.key, KIND_DICTIONARY, offset);
    sent.push(col.key);
    offset += n * ixBytes;
  }
  const text = sep === '' ? JSON.stringify(strings) : strings.join(sep);
  return { meta: JSON.stringify(meta), strings: text, buffer, keys: sent };
}

/** v's index in the kept table, keeping it now if it recurs; -1 when it is a batch string. */
function keptIndex(kept: KeptStrings, v: string): number {
  const k = kept.indexOf(v);
  return k >= 0 ? k : kept.offer(v);
}

/** A reader specialised to the target, for the per-message loop. */
function valueReader(target: ReadTarget): (m: Message) => ReadValue {
  if (target.kind !== 'field') return (m) => readValue(m, target);
  const { name, fi, ai } = target;
  return (m) => {
    // readValue's field case without its copy of BYTES values: those never become columns.
    const v = readMessageField(m, name, fi, ai);
    return typeof v === 'bigint' ? Number(v) : v;
  };
}

// Reused between calls: a batch's temporary arrays would otherwise be garbage every time.
let scratchBuffer = new Int32Array(0);

function scratchSlots(slots: number): Int32Array {
  if (scratchBuffer.length < slots) scratchBuffer = new Int32Array(slots);
  return scratchBuffer;
}

function pickSeparator(strings: readonly string[]): string | undefined {
  for (const s of strings) if (s.includes('\u0000')) return undefined;
  outer: for (const code of SEPARATOR_CANDIDATES) {
    const c = String.fromCharCode(code);
    for (const s of strings) if (s.includes(c)) continue outer;
    return c;
  }
  return undefined;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
