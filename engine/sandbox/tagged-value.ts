/**
 * Tagged JSON: how values cross between the host and QuickJS when plain JSON
 * would lose them (undefined, NaN, -0, bigint, bytes, Map, Set, Date, shared
 * references and cycles). Used for preserve_data state, inject_message()
 * arguments and decode_message() results. The VM half lives in the driver
 * (driver-source.ts: enc/dec); the two must agree.
 *
 * A value is its JSON self when it is a string, boolean, null or a finite
 * number other than -0; anything else is an array whose first element is a tag:
 *
 *   ["u"]                    undefined
 *   ["n", "NaN"|"Infinity"|"-Infinity"|"-0"]
 *   ["b", "123"]             bigint
 *   ["A", id, v...]          array
 *   ["O", id, k, v, ...]     object (own enumerable string keys)
 *   ["M", id, k, v, ...]     Map
 *   ["S", id, v...]          Set
 *   ["D", id, time]          Date (time is a tagged number)
 *   ["T", id, kind, hex]     typed array (e.g. "Uint8Array") as its bytes
 *   ["AB", id, hex]          ArrayBuffer
 *   ["X", id, source, flags] RegExp
 *   ["R", id]                the object tagged `id` earlier (shared or cyclic)
 *
 * Functions and symbols are left out of objects and Maps and become
 * undefined in arrays and Sets.
 */

export class TaggedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaggedValueError';
  }
}

const TYPED_ARRAYS: Record<string, (b: ArrayBuffer) => unknown> = {
  Int8Array: (b) => new Int8Array(b),
  Uint8Array: (b) => new Uint8Array(b),
  Uint8ClampedArray: (b) => new Uint8ClampedArray(b),
  Int16Array: (b) => new Int16Array(b),
  Uint16Array: (b) => new Uint16Array(b),
  Int32Array: (b) => new Int32Array(b),
  Uint32Array: (b) => new Uint32Array(b),
  Float32Array: (b) => new Float32Array(b),
  Float64Array: (b) => new Float64Array(b),
  BigInt64Array: (b) => new BigInt64Array(b),
  BigUint64Array: (b) => new BigUint64Array(b),
};

export interface DecodeOptions {
  /** Reject back-references to an object still being decoded (cycles). */
  rejectCycles?: boolean;
}

/** Decode tagged JSON text; throws TaggedValueError for anything malformed. */
export function decodeTagged(text: string, options: DecodeOptions = {}): unknown {
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch (err) {
    throw new TaggedValueError(`not JSON: ${(err as Error).message}`);
  }
  return decodeTree(tree, options);
}

/** Decode an already-parsed tagged tree. */
export function decodeTree(tree: unknown, options: DecodeOptions = {}): unknown {
  const refs = new Map<number, unknown>();
  const open = new Set<number>();
  const dec = (node: unknown): unknown => {
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return node;
    if (typeof node === 'number') return node;
    if (!Array.isArray(node) || node.length === 0 || typeof node[0] !== 'string') {
      throw new TaggedValueError(`unexpected ${Array.isArray(node) ? 'untagged array' : typeof node}`);
    }
    const tag = node[0];
    switch (tag) {
      case 'u':
        return undefined;
      case 'n':
        switch (node[1]) {
          case 'NaN':
            return NaN;
          case 'Infinity':
            return Infinity;
          case '-Infinity':
            return -Infinity;
          case '-0':
            return -0;
        }
        throw new TaggedValueError(`bad number ${JSON.stringify(node[1])}`);
      case 'b':
        if (typeof node[1] !== 'string' || !/^-?\d+$/.test(node[1])) throw new TaggedValueError('bad bigint');
        return BigInt(node[1]);
      case 'R': {
        const id = node[1] as number;
        if (!refs.has(id)) throw new TaggedValueError(`reference to unknown object ${String(id)}`);
        if (options.rejectCycles && open.has(id)) throw new TaggedValueError('the value contains a cycle');
        return refs.get(id);
      }
    }
    const id = node[1];
    if (typeof id !== 'number' || refs.has(id)) throw new TaggedValueError(`bad or repeated object id ${String(id)}`);
    open.add(id);
    let out: unknown;
    switch (tag) {
      case 'A': {
        const a: unknown[] = [];
        refs.set(id, a);
        for (let j = 2; j < node.length; j++) a.push(dec(node[j]));
        out = a;
        break;
      }
      case 'O': {
        const o: Record<string, unknown> = {};
        refs.set(id, o);
        if (node.length % 2 !== 0) throw new TaggedValueError('object with an odd number of entries');
        for (let j = 2; j < node.length; j += 2) {
          const k = node[j];
          if (typeof k !== 'string') throw new TaggedValueError('object key is not a string');
          Object.defineProperty(o, k, { value: dec(node[j + 1]), writable: true, enumerable: true, configurable: true });
        }
        out = o;
        break;
      }
      case 'M': {
        const m = new Map<unknown, unknown>();
        refs.set(id, m);
        if (node.length % 2 !== 0) throw new TaggedValueError('Map with an odd number of entries');
        for (let j = 2; j < node.length; j += 2) m.set(dec(node[j]), dec(node[j + 1]));
        out = m;
        break;
      }
      case 'S': {
        const s = new Set<unknown>();
        refs.set(id, s);
        for (let j = 2; j < node.length; j++) s.add(dec(node[j]));
        out = s;
        break;
      }
      case 'D': {
        const t = dec(node[2]);
        if (typeof t !== 'number') throw new TaggedValueError('Date time is not a number');
        out = new Date(t);
        refs.set(id, out);
        break;
      }
      case 'T': {
        const make = TYPED_ARRAYS[node[2] as string];
        if (!make) throw new TaggedValueError(`unknown typed array ${String(node[2])}`);
        out = make(hexToBytes(node[3]).buffer as ArrayBuffer);
        refs.set(id, out);
        break;
      }
      case 'AB':
        out = hexToBytes(node[2]).buffer;
        refs.set(id, out);
        break;
      case 'X':
        if (typeof node[2] !== 'string' || typeof node[3] !== 'string') throw new TaggedValueError('bad RegExp');
        try {
          out = new RegExp(node[2], node[3]);
        } catch {
          throw new TaggedValueError('bad RegExp');
        }
        refs.set(id, out);
        break;
      default:
        throw new TaggedValueError(`unknown tag ${JSON.stringify(tag)}`);
    }
    open.delete(id);
    return out;
  };
  return dec(tree);
}

/**
 * Encode a host value the VM will decode: primitives, arrays, plain objects
 * and Uint8Array (the shapes decode_message() produces). Shared references
 * are encoded once and referenced after.
 */
export function encodeTagged(value: unknown): string {
  const seen = new Map<object, number>();
  const enc = (v: unknown): string => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'number':
        if (Number.isNaN(v)) return '["n","NaN"]';
        if (v === Infinity) return '["n","Infinity"]';
        if (v === -Infinity) return '["n","-Infinity"]';
        if (Object.is(v, -0)) return '["n","-0"]';
        return String(v);
      case 'bigint':
        return `["b","${v}"]`;
      case 'undefined':
        return '["u"]';
      case 'object': {
        if (v === null) return 'null';
        const known = seen.get(v);
        if (known !== undefined) return `["R",${known}]`;
        const id = seen.size;
        seen.set(v, id);
        if (v instanceof Uint8Array) return `["T",${id},"Uint8Array","${bytesToHex(v)}"]`;
        if (Array.isArray(v)) return `["A",${id}${v.map((x) => ',' + enc(x)).join('')}]`;
        let s = `["O",${id}`;
        for (const [k, x] of Object.entries(v)) {
          if (typeof x === 'function' || typeof x === 'symbol') continue;
          s += `,${JSON.stringify(k)},${enc(x)}`;
        }
        return s + ']';
      }
      default:
        return '["u"]';
    }
  };
  return enc(value);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

function hexToBytes(hex: unknown): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) {
    throw new TaggedValueError('bad hex bytes');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
