/**
 * Realistic telemetry-like messages, deterministic for a given seed: the
 * built-in sample stream, test fixtures and benchmarks all draw from here.
 * The mix is skewed the way Firefox telemetry is: mostly `main` pings, some
 * `event`/`crash`/`health`/`core`/`modules`/`new-profile`, plus a few
 * non-telemetry messages (logs, metrics) so matchers have something to reject.
 */
import type { Field, Message } from '../message/message';
import { ValueType } from '../message/message';

/** A small fast PRNG (mulberry32), so sample data is reproducible. */
export type Rng = () => number;
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(rng: Rng, table: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rng() * total;
  for (const [v, w] of table) {
    r -= w;
    if (r < 0) return v;
  }
  return table[table.length - 1][0];
}

const DOC_TYPES = [
  ['main', 62],
  ['event', 12],
  ['crash', 6],
  ['health', 7],
  ['core', 6],
  ['modules', 4],
  ['new-profile', 3],
] as const;
const APPS = [
  ['Firefox', 80],
  ['Fennec', 12],
  ['Thunderbird', 5],
  ['Focus', 3],
] as const;
const CHANNELS = [
  ['release', 70],
  ['beta', 15],
  ['nightly', 10],
  ['esr', 5],
] as const;
const OSES = [
  ['Windows_NT', 78],
  ['Darwin', 10],
  ['Linux', 8],
  ['Android', 4],
] as const;
const COUNTRIES = [
  ['US', 28],
  ['DE', 12],
  ['FR', 8],
  ['BR', 7],
  ['IN', 7],
  ['GB', 6],
  ['RU', 5],
  ['JP', 5],
  ['PL', 4],
  ['CN', 4],
  ['CA', 4],
  ['??', 10],
] as const;
const VERSIONS = ['118.0', '119.0.1', '120.0', '121.0b3', '122.0a1', '115.5.0esr'];
const HOSTS = ['ip-10-0-3-17', 'ip-10-0-4-92', 'ip-10-0-7-201'];
const OTHER_TYPES = [
  ['nginx.access', 50],
  ['heka.all-report', 15],
  ['metric', 25],
  ['error', 10],
] as const;

const EPOCH_NS = 1_795_000_000_000_000_000n; // 2026-11-18, a fixed start so data is reproducible

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((rng() * 16) | 0).toString(16);
  return s;
}

function uuidBytes(rng: Rng): Uint8Array {
  const u = new Uint8Array(16);
  for (let i = 0; i < 16; i++) u[i] = (rng() * 256) | 0;
  u[6] = (u[6] & 0x0f) | 0x40;
  u[8] = (u[8] & 0x3f) | 0x80;
  return u;
}

const str = (name: string, v: string, representation = ''): Field => ({
  name,
  valueType: ValueType.STRING,
  representation,
  value: [v],
});
const int = (name: string, v: number, representation = ''): Field => ({
  name,
  valueType: ValueType.INTEGER,
  representation,
  value: [v],
});
const dbl = (name: string, v: number, representation = ''): Field => ({
  name,
  valueType: ValueType.DOUBLE,
  representation,
  value: [v],
});
const bool = (name: string, v: boolean): Field => ({
  name,
  valueType: ValueType.BOOL,
  representation: '',
  value: [v],
});

/**
 * The seq-th sample message. `timestamp` defaults to a fixed epoch plus about
 * a millisecond per message; the live sample stream passes the real clock.
 */
export function sampleMessage(rng: Rng, seq: number, timestamp?: bigint): Message {
  const ts = timestamp ?? EPOCH_NS + BigInt(seq) * 1_000_000n + BigInt((rng() * 1_000_000) | 0);
  const hostname = HOSTS[(rng() * HOSTS.length) | 0];
  if (rng() < 0.12) return otherMessage(rng, ts, hostname);

  const docType = weighted(rng, DOC_TYPES);
  const appName = weighted(rng, APPS);
  const clientId = `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;
  const size = Math.round(800 + rng() * rng() * 60_000);
  const fields: Field[] = [
    str('docType', docType),
    str('appName', appName),
    str('appVersion', VERSIONS[(rng() * VERSIONS.length) | 0]),
    str('normalizedChannel', weighted(rng, CHANNELS)),
    str('clientId', clientId),
    str('os', weighted(rng, OSES)),
    str('geoCountry', weighted(rng, COUNTRIES)),
    int('size', size, 'B'),
    str('sourceName', 'telemetry'),
    str('submissionDate', '20261118'),
  ];
  if (docType === 'main') {
    fields.push(int('sessionLength', Math.round(rng() * 86_400), 's'));
    fields.push(str('reason', rng() < 0.7 ? 'daily' : rng() < 0.5 ? 'shutdown' : 'environment-change'));
  } else if (docType === 'crash') {
    fields.push(bool('hasCrashEnvironment', rng() < 0.9));
    fields.push(str('crashType', rng() < 0.8 ? 'content' : 'main'));
  } else if (docType === 'event') {
    const n = 1 + ((rng() * 4) | 0);
    fields.push({
      name: 'eventCategories',
      valueType: ValueType.STRING,
      representation: '',
      value: Array.from({ length: n }, () => ['navigation', 'search', 'pwmgr', 'devtools'][(rng() * 4) | 0]),
    });
  } else if (docType === 'health') {
    fields.push(dbl('pingDiscardRate', Math.round(rng() * 1000) / 10_000, '%'));
  }
  return {
    uuid: uuidBytes(rng),
    timestamp: ts,
    type: 'telemetry',
    logger: 'telemetry',
    severity: 7,
    payload: `{"type":"${docType}","clientId":"${clientId}","application":{"name":"${appName}"}}`,
    envVersion: '1',
    pid: 4000 + ((rng() * 60) | 0),
    hostname,
    fields,
  };
}

function otherMessage(rng: Rng, ts: bigint, hostname: string): Message {
  const type = weighted(rng, OTHER_TYPES);
  switch (type) {
    case 'nginx.access': {
      const status = weighted(rng, [
        [200, 85],
        [204, 5],
        [404, 4],
        [500, 2],
        [503, 4],
      ] as const);
      const path = `/submit/telemetry/${hex(rng, 8)}/main/Firefox/120.0`;
      return {
        uuid: uuidBytes(rng),
        timestamp: ts,
        type,
        logger: 'nginx',
        severity: status >= 500 ? 3 : 6,
        payload: `POST ${path} HTTP/1.1 ${status}`,
        hostname,
        pid: 812,
        fields: [
          str('request_method', 'POST'),
          str('uri', path),
          int('status', status),
          dbl('request_time', Math.round(rng() * 2000) / 1000, 's'),
          int('body_bytes_sent', Math.round(rng() * 400), 'B'),
        ],
      };
    }
    case 'metric':
      return {
        uuid: uuidBytes(rng),
        timestamp: ts,
        type,
        logger: 'statsd',
        severity: 7,
        hostname,
        fields: [
          str('name', ['cpu.idle', 'mem.used', 'disk.io', 'net.rx'][(rng() * 4) | 0]),
          dbl('value', Math.round(rng() * 10_000) / 100),
          int('count', 1 + ((rng() * 10) | 0)),
        ],
      };
    case 'error':
      return {
        uuid: uuidBytes(rng),
        timestamp: ts,
        type,
        logger: 'decoder.telemetry',
        severity: 3,
        payload: ['invalid JSON at 1:17', 'missing docType', 'payload too large'][(rng() * 3) | 0],
        hostname,
        pid: 4001,
        fields: [str('exception', 'DecodeError')],
      };
    default:
      return {
        uuid: uuidBytes(rng),
        timestamp: ts,
        type,
        logger: 'hindsight',
        severity: 7,
        payload: 'uptime 3600 s',
        hostname,
        fields: [int('memory', 12_000_000 + ((rng() * 1_000_000) | 0), 'B')],
      };
  }
}

/** `count` sample messages, the same ones for the same seed. */
export function sampleMessages(count: number, seed = 1): Message[] {
  const rng = createRng(seed);
  const out: Message[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = sampleMessage(rng, i);
  return out;
}
