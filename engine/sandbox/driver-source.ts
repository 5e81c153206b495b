/**
 * The driver: JavaScript evaluated in each plugin's QuickJS context before the
 * plugin's own source. It installs the plugin API (read_message, ...), runs
 * whole batches of process_message() calls in one host->VM crossing, and
 * saves/restores preserve_data state.
 *
 * It captures every intrinsic it uses before plugin code runs and never
 * relies on prototypes the plugin can change: its own objects have a null
 * prototype, it calls methods through the captured Reflect.apply, never uses
 * spread/destructuring/for-of (which go through Array.prototype iterators),
 * and never calls JSON.stringify on objects (toJSON). A plugin that tampers
 * with built-ins can only confuse itself.
 *
 * The host functions it receives are kept in this closure and never become
 * reachable from globalThis.
 *
 * Evaluating this source yields `install(host, configText)`, which returns
 * the entry points the host calls: run, timer, save, restore, describe,
 * where, fatal, addColumns, and `st`, the status object the host reads and
 * writes.
 */
export const DRIVER_FILENAME = 'foresight-driver.js';

// String.raw keeps the escapes (\u0000 etc.) for QuickJS to interpret.
export const DRIVER_SOURCE = String.raw`(function install(host, configText) {
'use strict';
const G = globalThis;
const O = Object;
const create = O.create, defineProperty = O.defineProperty, getOwnPropertyNames = O.getOwnPropertyNames,
  getOwnPropertyDescriptor = O.getOwnPropertyDescriptor, getPrototypeOf = O.getPrototypeOf,
  setPrototypeOf = O.setPrototypeOf, objectKeys = O.keys, objectIs = O.is;
const apply = Reflect.apply, reflectSet = Reflect.set;
const hasOwnProperty = O.prototype.hasOwnProperty;
const isArray = Array.isArray;
const JSONparse = JSON.parse, JSONstringify = JSON.stringify;
const BigIntFn = BigInt;
const strSplit = String.prototype.split, strCharCodeAt = String.prototype.charCodeAt,
  strIndexOf = String.prototype.indexOf;
const symbolToString = Symbol.prototype.toString;
const U8 = Uint8Array, U16 = Uint16Array, U32 = Uint32Array, F64 = Float64Array, AB = ArrayBuffer;
const TA = getPrototypeOf(U8.prototype);
const taTag = getOwnPropertyDescriptor(TA, Symbol.toStringTag).get;
const taBuffer = getOwnPropertyDescriptor(TA, 'buffer').get;
const taByteOffset = getOwnPropertyDescriptor(TA, 'byteOffset').get;
const taByteLength = getOwnPropertyDescriptor(TA, 'byteLength').get;
const taLength = getOwnPropertyDescriptor(TA, 'length').get;
const abByteLength = getOwnPropertyDescriptor(AB.prototype, 'byteLength').get;
const abSlice = AB.prototype.slice;
const TYPED = create(null);
TYPED.Int8Array = Int8Array; TYPED.Uint8Array = Uint8Array; TYPED.Uint8ClampedArray = Uint8ClampedArray;
TYPED.Int16Array = Int16Array; TYPED.Uint16Array = Uint16Array; TYPED.Int32Array = Int32Array;
TYPED.Uint32Array = Uint32Array; TYPED.Float32Array = Float32Array; TYPED.Float64Array = Float64Array;
if (typeof BigInt64Array === 'function') { TYPED.BigInt64Array = BigInt64Array; TYPED.BigUint64Array = BigUint64Array; }
const MapCtor = Map, SetCtor = Set;
const mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapForEach = Map.prototype.forEach;
const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size').get;
const setAdd = Set.prototype.add, setForEach = Set.prototype.forEach, setHas = Set.prototype.has,
  setDelete = Set.prototype.delete;
const setSize = getOwnPropertyDescriptor(Set.prototype, 'size').get;
const DateCtor = Date, dateGetTime = Date.prototype.getTime, dateToISOString = Date.prototype.toISOString;
const RegExpCtor = RegExp;
const reSource = getOwnPropertyDescriptor(RegExp.prototype, 'source').get;
const reFlags = getOwnPropertyDescriptor(RegExp.prototype, 'flags').get;
const ErrorCtor = Error, TypeErrorCtor = TypeError;
const errorIsError = typeof Error.isError === 'function' ? Error.isError : null;
const errorToString = Error.prototype.toString;
const geval = G.eval;

const hSlow = host.slow, hAdd = host.add, hPayload = host.payload, hInject = host.inject,
  hPrint = host.print, hDecode = host.decode;

// ---------------------------------------------------------------- status shared with the host
const st = create(null);
st.i = -1;       // index of the message being processed, read by the host's interrupt handler
st.code = 0;     // why run() stopped early
st.err = undefined;
st.msg = '';     // JSON text of the reason a positive status came with
st.fails = '';
st.mute = -2;    // set by the host to the call index whose debug output is full (-3: the whole batch)

let cur = -1;    // current message index in the batch; -1 outside process_message()
let fatal = false; // set by the host (entry.fatal) when a limit is exceeded: the call ends as terminated
let cols = create(null);   // read_message(name) columns
let icols = create(null);  // read_message(name, fi, ai) columns, keyed name NUL fi NUL ai
// The first columns also sit in these slots: comparing the name is much cheaper
// than a keyed lookup, and read_message is the hot path. NONE matches no name.
const NONE = create(null);
let k0 = NONE, d0, x0, k1 = NONE, d1, x1, k2 = NONE, d2, x2, k3 = NONE, d3, x3;
let identity = new U32(0);

function nullArray(a) { setPrototypeOf(a, null); return a; }

// The dictionary of column values: the strings kept between batches (the
// first keptLength entries, atoms, see kept-strings.ts), then the batch's own.
const D = nullArray([]);
let keptLength = 0;

// ---------------------------------------------------------------- columns (see columns.ts)
let slots = 0;   // fast slots (k0..k3) in use
function clearColumns() {
  cols = create(null);
  icols = create(null);
  k0 = k1 = k2 = k3 = NONE;
  d0 = x0 = d1 = x1 = d2 = x2 = d3 = x3 = undefined;
  slots = 0;
  D.length = keptLength;
}
function setupColumns(meta, strings, buf) {
  clearColumns();
  if (meta === '') return;
  const m = JSONparse(meta);
  const keptBase = m[5], keptAdded = m[6];
  if (keptBase > keptLength) throw new ErrorCtor('internal: the kept strings are out of step');
  D.length = keptBase;
  let len = keptBase;
  if (keptAdded !== 0) {
    // Object keys are atoms; they come back in the order sent (the host keeps no index-like strings).
    const ks = objectKeys(keptAdded);
    for (let j = 0; j < ks.length; j++) D[len++] = ks[j];
  }
  keptLength = len;
  fillDictionary(D, len, m, strings, buf);
  installColumns(D, m, buf);
}
// Columns the host sends in the middle of a batch, when process_message first
// reads a key (hostReadMessage), so the rest of the batch reads it here rather
// than through the host. They have their own dictionary: no kept strings.
function addColumns(meta, strings, buf) {
  const m = JSONparse(meta);
  if (m[5] !== 0 || m[6] !== 0) throw new ErrorCtor('internal: columns sent mid-batch cannot keep strings');
  const dict = nullArray([]);
  fillDictionary(dict, 0, m, strings, buf);
  installColumns(dict, m, buf);
}
// dict[len...] = the batch's strings, numbers, then true, false, undefined.
function fillDictionary(dict, len, m, strings, buf) {
  const sep = m[0], nStr = m[1], nNum = m[2];
  if (nStr > 0) {
    const batch = sep === '' ? JSONparse(strings) : apply(strSplit, strings, [sep]);
    for (let j = 0; j < nStr; j++) dict[len++] = batch[j];
  }
  if (nNum > 0) {
    const nums = new F64(buf, 0, nNum);
    for (let j = 0; j < nNum; j++) dict[len++] = nums[j];
  }
  dict[len++] = true; dict[len++] = false; dict[len++] = undefined;
}
function installColumns(dict, m, buf) {
  const ixBytes = m[3], n = m[4];
  for (let c = 7; c < m.length; c += 3) {
    const col = create(null);
    if (m[c + 1] === 0) {
      // Numeric columns read through an identity index, so every column reads d[x[cur]].
      if (identity.length !== n) { identity = new U32(n); for (let j = 0; j < n; j++) identity[j] = j; }
      col.d = new F64(buf, m[c + 2], n); col.x = identity;
    } else {
      col.d = dict; col.x = ixBytes === 2 ? new U16(buf, m[c + 2], n) : new U32(buf, m[c + 2], n);
    }
    const key = m[c];
    if (apply(strIndexOf, key, ['\u0000']) >= 0) { icols[key] = col; continue; }
    cols[key] = col;
    if (slots === 0) { k0 = key; d0 = col.d; x0 = col.x; }
    else if (slots === 1) { k1 = key; d1 = col.d; x1 = col.x; }
    else if (slots === 2) { k2 = key; d2 = col.d; x2 = col.x; }
    else if (slots === 3) { k3 = key; d3 = col.d; x3 = col.x; }
    slots++;
  }
}

// ---------------------------------------------------------------- plugin API
// Columns exist only while run() is processing messages, so cur >= 0 whenever one matches.
function read_message(name, fi, ai) {
  let c;
  if (fi === undefined && ai === undefined) {
    if (name === k0) return d0[x0[cur]];
    if (name === k1) return d1[x1[cur]];
    if (name === k2) return d2[x2[cur]];
    if (name === k3) return d3[x3[cur]];
    c = cols[name];
  } else if ((fi === undefined || typeof fi === 'number') && (ai === undefined || typeof ai === 'number')) {
    c = icols[name + '\u0000' + fi + '\u0000' + ai];
  }
  if (c !== undefined) return c.d[c.x[cur]];
  if (cur < 0) return undefined;
  const isJson = hasNul(name);
  const r = hSlow(cur, isJson ? '0' : '', isJson ? JSONstringify(name) : name, fi, ai);
  if (typeof r !== 'object' || r === null) return r;
  // The host answers bytes with an ArrayBuffer and a string holding NUL with {json}.
  return isArrayBuffer(r) ? new U8(r) : JSONparse(r.json);
}

// Strings cross to the host as C strings, which end at the first NUL: a
// string holding one goes as JSON instead, its argument index listed in the
// host function's second argument ('' when none).
function hasNul(v) { return typeof v === 'string' && apply(strIndexOf, v, ['\u0000']) >= 0; }

const config = create(null);
(function () {
  const parsed = JSONparse(configText);
  const ks = objectKeys(parsed);
  for (let j = 0; j < ks.length; j++) config[ks[j]] = parsed[ks[j]];
})();
function read_config(key) {
  return typeof key === 'string' && apply(hasOwnProperty, config, [key]) ? config[key] : undefined;
}

// Reflect.apply takes any array-like: a null-prototype one is safe from tampering.
function withCur(args) {
  const n = args.length;
  const a = create(null);
  a.length = n + 2;
  a[0] = cur;
  let json = '';
  for (let j = 0; j < n; j++) {
    const v = args[j];
    if (hasNul(v)) { json += (json === '' ? '' : ',') + j; a[j + 2] = JSONstringify(v); }
    else a[j + 2] = v;
  }
  a[1] = json;
  return a;
}
function add_to_payload() { apply(hAdd, undefined, withCur(arguments)); }
function inject_payload() { apply(hPayload, undefined, withCur(arguments)); }
function inject_message(msg) { hInject(cur, enc(msg)); }
function decode_message(bytes) {
  let ab;
  const tag = taTagOf(bytes);
  if (tag === 'Uint8Array') {
    const off = apply(taByteOffset, bytes, []);
    ab = apply(abSlice, apply(taBuffer, bytes, []), [off, off + apply(taByteLength, bytes, [])]);
  } else if (isArrayBuffer(bytes)) {
    ab = bytes;
  } else {
    throw new TypeErrorCtor('decode_message() expects a Uint8Array (e.g. read_message("raw")), got ' + kindOf(bytes));
  }
  return dec(JSONparse(hDecode(cur, ab)), new MapCtor());
}
function print() {
  const mute = st.mute;
  if (mute === cur || mute === -3) return;
  const n = arguments.length;
  let line = '';
  for (let j = 0; j < n; j++) line += (j > 0 ? ' ' : '') + show(arguments[j], 0, null, true);
  if (hasNul(line)) hPrint(cur, '0', JSONstringify(line));
  else hPrint(cur, '', line);
}
const consoleObject = create(O.prototype);
consoleObject.log = print; consoleObject.info = print; consoleObject.warn = print;
consoleObject.error = print; consoleObject.debug = print;

function defineGlobal(name, value) {
  defineProperty(G, name, { value: value, writable: true, enumerable: false, configurable: true });
}
defineGlobal('read_message', read_message);
defineGlobal('read_config', read_config);
defineGlobal('add_to_payload', add_to_payload);
defineGlobal('inject_payload', inject_payload);
defineGlobal('inject_message', inject_message);
defineGlobal('decode_message', decode_message);
defineGlobal('print', print);
defineGlobal('console', consoleObject);

// Names present before the plugin runs: never part of its preserved state.
const baseline = create(null);
(function () {
  const names = getOwnPropertyNames(G);
  for (let j = 0; j < names.length; j++) baseline[names[j]] = true;
})();

// ---------------------------------------------------------------- batches
// run() returns the index it stopped at (n when every message ran), or
// -1 - index when some messages returned counted failures (listed in st.fails
// as "index" or "index JSON-reason" lines, kept there even if run() is cut
// short by the host's deadline). When it stops early st.code says
// why: 1 exception (st.err), 2 positive status (st.msg), 3 non-numeric status,
// 4 a host limit (fatal), 5 no process_message, 6 bad error message,
// 7 out of memory.
// Recognised without allocating: describing it needs memory there is none of.
function outOfMemory(e) {
  try {
    return errorIsError !== null && errorIsError(e) && e.message === 'out of memory';
  } catch (x) {
    return false;
  }
}

function run(n, meta, strings, buf) {
  setupColumns(meta, strings, buf);
  fatal = false;
  st.err = undefined;
  st.mute = -2;
  let nf = 0, i = 0, lexical;
  st.fails = '';
  // One try around the whole loop (entering a try block per message costs);
  // an exception ends the batch at message i either way.
  try {
    for (; i < n; i++) {
      cur = i; st.i = i;
      let pm = G.process_message;
      if (typeof pm !== 'function') {
        if (lexical === undefined) lexical = lexicalFunction('process_message');
        pm = lexical;
        if (pm === null) { st.code = 5; break; }
      }
      const r = pm();
      if (fatal) { st.code = 4; break; }
      if (r === 0 || r === undefined) continue;
      if (typeof r === 'number') {
        if (r < 0) { nf++; st.fails += i + '\n'; continue; }
        if (r > 0) { st.code = 2; st.msg = '""'; break; }
        st.code = 3; break;   // NaN
      }
      if (!isArray(r)) { st.code = 3; break; }
      const s = r[0], why = r[1];
      if (typeof s !== 'number' || s !== s) { st.code = 3; break; }
      if (why !== undefined && why !== null && typeof why !== 'string') { st.code = 6; break; }
      if (s === 0) continue;
      if (s < 0) { nf++; st.fails += i + ' ' + JSONstringify(why === undefined || why === null ? '' : why) + '\n'; continue; }
      st.code = 2; st.msg = JSONstringify(typeof why === 'string' ? why : ''); break;
    }
  } catch (e) {
    st.err = e; st.code = fatal ? 4 : outOfMemory(e) ? 7 : 1;
  }
  cur = -1; st.i = -1;
  clearColumns();
  return nf > 0 ? -1 - i : i;
}

// A top-level const/let function is a global binding but not a globalThis property.
function lexicalFunction(name) {
  try {
    const f = geval('typeof ' + name + ' === "function" ? ' + name + ' : null');
    return typeof f === 'function' ? f : null;
  } catch (x) {
    return null;
  }
}

// 0 ok, 1 exception (st.err), 4 host limit, 5 no timer_event, 7 out of memory.
function timer(ns, shutdown) {
  cur = -1;
  fatal = false;
  st.err = undefined;
  st.mute = -2;
  let te = G.timer_event;
  if (typeof te !== 'function') te = lexicalFunction('timer_event');
  if (te === null) return 5;
  try { te(ns, shutdown); } catch (e) { st.err = e; return fatal ? 4 : outOfMemory(e) ? 7 : 1; }
  return fatal ? 4 : 0;
}

// ---------------------------------------------------------------- describing errors
function str(v) { return typeof v === 'string' ? v : ''; }
// JSON text [name, message, stack, isError, shown]; every piece is a primitive string.
function describe(e) {
  let name = '', message = '', stack = '', isErr = false, shown = '';
  if ((typeof e === 'object' && e !== null) || typeof e === 'function') {
    try { isErr = errorIsError !== null ? errorIsError(e) : false; } catch (x) { isErr = false; }
    try { name = str(e.name); } catch (x) { name = ''; }
    try { message = str(e.message); } catch (x) { message = ''; }
    try { stack = str(e.stack); } catch (x) { stack = ''; }
  }
  try { shown = show(e, 0, null, false); } catch (x) { shown = '(unprintable value)'; }
  return '[' + JSONstringify(name) + ',' + JSONstringify(message) + ',' + JSONstringify(stack) + ',' +
    (isErr ? 'true' : 'false') + ',' + JSONstringify(shown) + ']';
}

// ---------------------------------------------------------------- printing
function kindOf(v) {
  if (v === null) return 'null';
  if (isArray(v)) return 'an array';
  const t = taTagOf(v);
  if (t !== undefined) return 'a ' + t;
  return typeof v === 'object' ? 'an object' : 'a ' + typeof v;
}
function taTagOf(v) {
  return typeof v === 'object' && v !== null ? apply(taTag, v, []) : undefined;
}
function brand(getter, v) {
  try { apply(getter, v, []); return true; } catch (x) { return false; }
}
function isArrayBuffer(v) { return typeof v === 'object' && v !== null && brand(abByteLength, v); }
function isMap(v) { return brand(mapSize, v); }
function isSet(v) { return brand(setSize, v); }
function isDate(v) { return brand(dateGetTime, v); }
function isRegExp(v) { return brand(reSource, v) && v !== RegExpCtor.prototype; }
function isIdentifier(s) {
  const n = s.length;
  if (n === 0) return false;
  for (let j = 0; j < n; j++) {
    const c = apply(strCharCodeAt, s, [j]);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || (j > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}
function numberText(v) { return objectIs(v, -0) ? '-0' : '' + v; }

const MAX_SHOWN = 100;
// A console.log-like rendering; nested strings are quoted.
function show(v, depth, seen, top) {
  switch (typeof v) {
    case 'string': return top ? v : JSONstringify(v);
    case 'number': return numberText(v);
    case 'bigint': return v + 'n';
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'symbol': return apply(symbolToString, v, []);
    case 'function': {
      let n = '';
      try { n = str(v.name); } catch (x) { n = ''; }
      return n === '' ? '[Function (anonymous)]' : '[Function ' + n + ']';
    }
  }
  if (v === null) return 'null';
  if (seen === null) seen = new SetCtor();
  if (apply(setHas, seen, [v])) return '[Circular]';
  if (depth > 3) return isArray(v) ? '[Array]' : '[Object]';
  apply(setAdd, seen, [v]);
  let out;
  const t = taTagOf(v);
  if (isArray(v)) {
    const n = v.length;
    out = '[';
    for (let j = 0; j < n && j < MAX_SHOWN; j++) out += (j > 0 ? ', ' : '') + show(v[j], depth + 1, seen, false);
    if (n > MAX_SHOWN) out += ', ... ' + (n - MAX_SHOWN) + ' more';
    out += ']';
  } else if (t !== undefined) {
    const n = apply(taLength, v, []);
    out = t + '(' + n + ') [';
    for (let j = 0; j < n && j < MAX_SHOWN; j++) out += (j > 0 ? ', ' : '') + show(v[j], depth + 1, seen, false);
    out += (n > MAX_SHOWN ? ', ...' : '') + ']';
  } else if (isMap(v)) {
    out = 'Map(' + apply(mapSize, v, []) + ') {';
    let k = 0;
    apply(mapForEach, v, [function (val, key) {
      if (k < MAX_SHOWN) out += (k > 0 ? ', ' : ' ') + show(key, depth + 1, seen, false) + ' => ' + show(val, depth + 1, seen, false);
      k++;
    }]);
    out += k > 0 ? ' }' : '}';
  } else if (isSet(v)) {
    out = 'Set(' + apply(setSize, v, []) + ') {';
    let k = 0;
    apply(setForEach, v, [function (val) {
      if (k < MAX_SHOWN) out += (k > 0 ? ', ' : ' ') + show(val, depth + 1, seen, false);
      k++;
    }]);
    out += k > 0 ? ' }' : '}';
  } else if (isDate(v)) {
    const time = apply(dateGetTime, v, []);
    out = time !== time ? 'Invalid Date' : apply(dateToISOString, v, []);
  } else if (isRegExp(v)) {
    out = '/' + apply(reSource, v, []) + '/' + apply(reFlags, v, []);
  } else if (errorIsError !== null && errorIsError(v)) {
    out = apply(errorToString, v, []);
  } else {
    const ks = objectKeys(v);
    out = '{';
    for (let j = 0; j < ks.length && j < MAX_SHOWN; j++) {
      const k = ks[j];
      out += (j > 0 ? ', ' : ' ') + (isIdentifier(k) ? k : JSONstringify(k)) + ': ' + show(v[k], depth + 1, seen, false);
    }
    if (ks.length > MAX_SHOWN) out += ', ...';
    out += ks.length > 0 ? ' }' : '}';
  }
  apply(setDelete, seen, [v]);
  return out;
}

// ---------------------------------------------------------------- tagged JSON (see tagged-value.ts)
const HEX = nullArray([]);
for (let j = 0; j < 256; j++) HEX[j] = (j < 16 ? '0' : '') + j.toString(16);
function hexOf(u8) {
  let s = '';
  const n = apply(taLength, u8, []);
  for (let j = 0; j < n; j++) s += HEX[u8[j]];
  return s;
}
function hexDigit(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  throw new TypeErrorCtor('bad hex');
}
function bytesOfHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) throw new TypeErrorCtor('bad hex');
  const out = new U8(hex.length / 2);
  for (let j = 0; j < out.length; j++) {
    out[j] = hexDigit(apply(strCharCodeAt, hex, [2 * j])) * 16 + hexDigit(apply(strCharCodeAt, hex, [2 * j + 1]));
  }
  return out;
}

function skipped(v) { return typeof v === 'function' || typeof v === 'symbol'; }

function enc(v, seen) {
  switch (typeof v) {
    case 'string': return JSONstringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'number':
      if (v !== v) return '["n","NaN"]';
      if (v === 1 / 0) return '["n","Infinity"]';
      if (v === -1 / 0) return '["n","-Infinity"]';
      if (objectIs(v, -0)) return '["n","-0"]';
      return '' + v;
    case 'bigint': return '["b","' + v + '"]';
    case 'undefined': case 'function': case 'symbol': return '["u"]';
  }
  if (v === null) return 'null';
  if (seen === undefined) seen = new MapCtor();
  const known = apply(mapGet, seen, [v]);
  if (known !== undefined) return '["R",' + known + ']';
  const id = apply(mapSize, seen, []);
  apply(mapSet, seen, [v, id]);
  let out;
  const t = taTagOf(v);
  if (isArray(v)) {
    out = '["A",' + id;
    const n = v.length;
    for (let j = 0; j < n; j++) out += ',' + enc(v[j], seen);
  } else if (t !== undefined) {
    const bytes = new U8(apply(taBuffer, v, []), apply(taByteOffset, v, []), apply(taByteLength, v, []));
    out = '["T",' + id + ',"' + t + '","' + hexOf(bytes);
    return out + '"]';
  } else if (isArrayBuffer(v)) {
    return '["AB",' + id + ',"' + hexOf(new U8(v)) + '"]';
  } else if (isMap(v)) {
    out = '["M",' + id;
    apply(mapForEach, v, [function (val, key) {
      if (!skipped(key) && !skipped(val)) out += ',' + enc(key, seen) + ',' + enc(val, seen);
    }]);
  } else if (isSet(v)) {
    out = '["S",' + id;
    apply(setForEach, v, [function (val) { if (!skipped(val)) out += ',' + enc(val, seen); }]);
  } else if (isDate(v)) {
    return '["D",' + id + ',' + enc(apply(dateGetTime, v, []), seen) + ']';
  } else if (isRegExp(v)) {
    return '["X",' + id + ',' + JSONstringify(apply(reSource, v, [])) + ',' + JSONstringify(apply(reFlags, v, [])) + ']';
  } else {
    out = '["O",' + id;
    const ks = objectKeys(v);
    for (let j = 0; j < ks.length; j++) {
      const val = v[ks[j]];
      if (!skipped(val)) out += ',' + JSONstringify(ks[j]) + ',' + enc(val, seen);
    }
  }
  return out + ']';
}

function bad(what) { throw new TypeErrorCtor('malformed tagged value: ' + what); }
function define(o, k, v) {
  defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}
function dec(node, refs) {
  if (node === null || typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return node;
  if (!isArray(node) || node.length === 0 || typeof node[0] !== 'string') bad('untagged ' + typeof node);
  const tag = node[0];
  if (tag === 'u') return undefined;
  if (tag === 'n') {
    const s = node[1];
    if (s === 'NaN') return 0 / 0;
    if (s === 'Infinity') return 1 / 0;
    if (s === '-Infinity') return -1 / 0;
    if (s === '-0') return -0;
    bad('number');
  }
  if (tag === 'b') { if (typeof node[1] !== 'string') bad('bigint'); return BigIntFn(node[1]); }
  const id = node[1];
  if (typeof id !== 'number') bad('id');
  if (tag === 'R') {
    const known = apply(mapGet, refs, [id]);
    if (known === undefined) bad('reference');
    return known;
  }
  if (apply(mapGet, refs, [id]) !== undefined) bad('repeated id');
  const n = node.length;
  let out;
  if (tag === 'A') {
    out = [];
    apply(mapSet, refs, [id, out]);
    for (let j = 2; j < n; j++) define(out, j - 2, dec(node[j], refs));
  } else if (tag === 'O') {
    out = {};
    apply(mapSet, refs, [id, out]);
    if (n % 2 !== 0) bad('object');
    for (let j = 2; j < n; j += 2) {
      if (typeof node[j] !== 'string') bad('key');
      define(out, node[j], dec(node[j + 1], refs));
    }
  } else if (tag === 'M') {
    out = new MapCtor();
    apply(mapSet, refs, [id, out]);
    if (n % 2 !== 0) bad('Map');
    for (let j = 2; j < n; j += 2) apply(mapSet, out, [dec(node[j], refs), dec(node[j + 1], refs)]);
  } else if (tag === 'S') {
    out = new SetCtor();
    apply(mapSet, refs, [id, out]);
    for (let j = 2; j < n; j++) apply(setAdd, out, [dec(node[j], refs)]);
  } else if (tag === 'D') {
    const time = dec(node[2], refs);
    if (typeof time !== 'number') bad('Date');
    out = new DateCtor(time);
    apply(mapSet, refs, [id, out]);
  } else if (tag === 'T') {
    const Ctor = typeof node[2] === 'string' ? TYPED[node[2]] : undefined;
    if (Ctor === undefined) bad('typed array kind');
    const bytes = bytesOfHex(node[3]);
    if (bytes.length % Ctor.BYTES_PER_ELEMENT !== 0) bad('typed array length');
    out = new Ctor(apply(taBuffer, bytes, []));
    apply(mapSet, refs, [id, out]);
  } else if (tag === 'AB') {
    out = apply(taBuffer, bytesOfHex(node[2]), []);
    apply(mapSet, refs, [id, out]);
  } else if (tag === 'X') {
    if (typeof node[2] !== 'string' || typeof node[3] !== 'string') bad('RegExp');
    out = new RegExpCtor(node[2], node[3]);
    apply(mapSet, refs, [id, out]);
  } else {
    bad('tag ' + tag);
  }
  return out;
}

// ---------------------------------------------------------------- preserve_data
// State text: {"v":1,"g":[name, tagged, name, tagged, ...]} of the global
// properties the plugin created (functions left out).
function save() {
  const names = getOwnPropertyNames(G);
  const seen = new MapCtor();
  let out = '{"v":1,"g":[';
  let first = true;
  for (let j = 0; j < names.length; j++) {
    const name = names[j];
    if (typeof name !== 'string' || baseline[name] === true) continue;
    const d = getOwnPropertyDescriptor(G, name);
    if (d === undefined) continue;
    const v = apply(hasOwnProperty, d, ['value']) ? d.value : G[name];
    if (skipped(v)) continue;
    out += (first ? '' : ',') + JSONstringify(name) + ',' + enc(v, seen);
    first = false;
  }
  return out + ']}';
}

// Decodes everything before assigning anything, so a malformed state changes
// nothing. Returns warnings, one per line ('' when all was restored).
function restore(text) {
  const parsed = JSONparse(text);
  if (typeof parsed !== 'object' || parsed === null || isArray(parsed) ||
      !apply(hasOwnProperty, parsed, ['v']) || parsed.v !== 1 ||
      !apply(hasOwnProperty, parsed, ['g']) || !isArray(parsed.g) || parsed.g.length % 2 !== 0) {
    bad('not a Foresight state (expected {"v":1,"g":[name, value, ...]})');
  }
  const g = parsed.g;
  const refs = new MapCtor();
  const names = nullArray([]), values = nullArray([]);
  let count = 0;
  for (let j = 0; j < g.length; j += 2) {
    if (typeof g[j] !== 'string') bad('global name');
    names[count] = g[j];
    values[count] = dec(g[j + 1], refs);
    count++;
  }
  let warnings = '';
  for (let j = 0; j < count; j++) {
    const name = names[j], v = values[j];
    if (baseline[name] === true) { warnings += 'state has built-in name ' + name + '; not restored\n'; continue; }
    if (!reflectSet(G, name, v)) { warnings += 'global ' + name + ' is read-only; its saved value was not restored\n'; continue; }
    if (isIdentifier(name)) {
      let seenValue;
      try { seenValue = geval(name); } catch (x) { seenValue = v; }
      if (!objectIs(seenValue, v)) {
        warnings += 'global ' + name + ' is declared with let/const, so the saved value was not restored; declare it with var\n';
      }
    }
  }
  return warnings;
}

// The stack of the plugin code calling into the host right now (host functions cannot see it).
function where() {
  try { return str(new ErrorCtor('').stack); } catch (x) { return ''; }
}

const entry = create(null);
entry.run = run; entry.timer = timer; entry.save = save; entry.restore = restore;
entry.describe = describe; entry.where = where; entry.st = st; entry.addColumns = addColumns;
entry.fatal = function () { fatal = true; };
return entry;
})`;
