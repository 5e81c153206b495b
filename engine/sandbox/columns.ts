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
 * - `meta`: JSON `[sep, nStrings, nNumbers, ixBytes, n, key, kind, byteOffset, ...]`.
 *
 * The VM builds one dictionary D = strings ++ numbers ++ [true, false,
 * undefined]; a dictionary column reads D[ix[i]], a numeric column (every
 * message has a number there) reads its Float64 array directly. Bytes values
 * are never sent as columns (each read must return a fresh Uint8Array), so
 * such keys stay on the host callback.
 */
import type { Message } from '../message/message';
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
const CODE_FIRST_NUMBER = -4;

const SEPARATOR_CANDIDATES = [
  0x01, 0x1f, 0x1e, 0x1d, 0x1c, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0e, 0x0f, 0x10, 0xfffe, 0xffff, 0xe000,
];

/**
 * Encode the columns of `keys` over `messages`. A key whose values include
 * bytes, or whose new strings would take the batch over `budgetBytes` (the
 * columns live in the plugin's QuickJS heap, under its memory limit), is left
 * out and served by the host callback for this batch.
 */
export function encodeColumns(
  messages: readonly Message[],
  keys: readonly LearnedKey[],
  budgetBytes: number,
): ColumnBatch {
  const n = messages.length;
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const numbers: number[] = [];
  const numberIndex = new Map<number, number>();
  const numericColumns: { key: string; values: Float64Array }[] = [];
  const dictColumns: { key: string; codes: Int32Array }[] = [];
  let used = 0;
  const values = scratchValues(n);
  const scratch = scratchCodes(keys.length * n);
  let scratchUsed = 0;

  keyLoop: for (const { key, target } of keys) {
    const read = valueReader(target);
    let allNumbers = true;
    for (let j = 0; j < n; j++) {
      const v = read(messages[j]);
      if (v instanceof Uint8Array) continue keyLoop;
      if (typeof v !== 'number') allNumbers = false;
      values[j] = v;
    }
    if (allNumbers) {
      if (used + n * 8 > budgetBytes) continue;
      used += n * 8;
      const column = new Float64Array(scratch.buffer, scratchUsed * 4, n);
      for (let j = 0; j < n; j++) column[j] = values[j] as number;
      scratchUsed += 2 * n;
      numericColumns.push({ key, values: column });
      continue;
    }
    // One pass; if the column's new strings overflow the budget, undo them.
    const stringsBefore = strings.length;
    const numbersBefore = numbers.length;
    let added = n * 4;
    const codes = scratch.subarray(scratchUsed, scratchUsed + n);
    // Field values repeat (docType is "main" most of the time): remember the last string's code.
    let lastString: string | undefined;
    let lastCode = 0;
    for (let j = 0; j < n; j++) {
      const v = values[j];
      switch (typeof v) {
        case 'string': {
          if (v === lastString) {
            codes[j] = lastCode;
            break;
          }
          let s = stringIndex.get(v);
          if (s === undefined) {
            s = strings.length;
            strings.push(v);
            stringIndex.set(v, s);
            added += v.length * 2 + 16;
          }
          codes[j] = s;
          lastString = v;
          lastCode = s;
          break;
        }
        case 'number': {
          // Map keys conflate 0 and -0; keep -0 distinct so it reads back as -0.
          let k = Object.is(v, -0) ? undefined : numberIndex.get(v);
          if (k === undefined) {
            k = numbers.length;
            numbers.push(v);
            if (!Object.is(v, -0)) numberIndex.set(v, k);
            added += 8;
          }
          codes[j] = CODE_FIRST_NUMBER - k;
          break;
        }
        case 'boolean':
          codes[j] = v ? CODE_TRUE : CODE_FALSE;
          break;
        default:
          codes[j] = CODE_UNDEFINED;
      }
    }
    if (used + added > budgetBytes) {
      for (let k = stringsBefore; k < strings.length; k++) stringIndex.delete(strings[k]);
      for (let k = numbersBefore; k < numbers.length; k++) numberIndex.delete(numbers[k]);
      strings.length = stringsBefore;
      numbers.length = numbersBefore;
      continue;
    }
    used += added;
    scratchUsed += n + (n & 1); // keep the next Float64 column 8-byte aligned
    dictColumns.push({ key, codes });
  }

  if (numericColumns.length === 0 && dictColumns.length === 0) {
    return { meta: '', strings: '', buffer: new ArrayBuffer(0), keys: [] };
  }

  // '' means `strings` is a JSON array: rare, so the common case stays a cheap split.
  const sep = strings.length === 0 ? '\u0001' : (pickSeparator(strings) ?? '');

  const nStr = strings.length;
  const nNum = numbers.length;
  const dictSize = nStr + nNum + 3;
  const ixBytes = dictSize <= 0xffff ? 2 : 4;
  const numbersBytes = nNum * 8;
  const numericBytes = numericColumns.length * n * 8;
  const ixStart = align(numbersBytes + numericBytes, 4);
  const buffer = new ArrayBuffer(align(ixStart + dictColumns.length * n * ixBytes, 8));

  new Float64Array(buffer, 0, nNum).set(numbers);
  const meta: unknown[] = [sep, nStr, nNum, ixBytes, n];
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
        c >= 0
          ? c
          : c <= CODE_FIRST_NUMBER
            ? nStr + (CODE_FIRST_NUMBER - c)
            : c === CODE_TRUE
              ? nStr + nNum
              : c === CODE_FALSE
                ? nStr + nNum + 1
                : nStr + nNum + 2;
    }
    meta.push(col.key, KIND_DICTIONARY, offset);
    sent.push(col.key);
    offset += n * ixBytes;
  }
  const text = sep === '' ? JSON.stringify(strings) : strings.join(sep);
  return { meta: JSON.stringify(meta), strings: text, buffer, keys: sent };
}

/** A reader specialised to the target, for the per-message loop. */
function valueReader(target: ReadTarget): (m: Message) => ReadValue {
  if (target.kind !== 'field' || target.fi !== 0 || target.ai !== 0) return (m) => readValue(m, target);
  const name = target.name;
  return (m) => {
    const fields = m.fields;
    for (let i = 0, len = fields.length; i < len; i++) {
      const f = fields[i];
      if (f.name === name) {
        const v = f.value[0];
        return typeof v === 'bigint' ? Number(v) : v;
      }
    }
    return undefined;
  };
}

// Reused between calls: a batch's temporary arrays would otherwise be garbage every time.
let valuesScratch: ReadValue[] = [];
let codesScratch = new Int32Array(0);

function scratchValues(n: number): ReadValue[] {
  if (valuesScratch.length < n) valuesScratch = new Array(n);
  return valuesScratch;
}

/** Room for every key's codes (Int32) or numbers (Float64, two slots each). */
function scratchCodes(slots: number): Int32Array {
  if (codesScratch.length < 2 * slots) codesScratch = new Int32Array(2 * slots);
  return codesScratch;
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
