/**
 * The anchor suite's input: one Hindsight framed file of 1M realistic
 * telemetry messages, the same messages as NDJSON (Heka JSON, one a line),
 * and their true counts by docType, written once into the anchor cache and
 * reused while this file and the sample generator are unchanged (RECIPE).
 *
 * Shaped like the file issue 10 measured (about 219 B a record, 7 fields,
 * 90% `Type == 'telemetry'`): the engine's own sample generator
 * (engine/inputs/sample-messages.ts), telemetry messages cut to their first
 * seven fields (clientId left out) without a Payload, and non-telemetry messages thinned to one
 * in ten. Written with the engine's own protobuf encoder and framing, so the
 * file is what Foresight and Hindsight both accept.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, sampleMessage } from '../../engine/inputs/sample-messages';
import { readField } from '../../engine/message/fields';
import { frameMessage } from '../../engine/message/framing';
import { messageToJSON } from '../../engine/message/json';
import type { Message } from '../../engine/message/message';
import { encodeMessage } from '../../engine/message/protobuf';

/**
 * Names the cached files: a hash of this file and the sample generator, so
 * a change to either writes new files instead of reusing stale ones.
 */
const RECIPE = createHash('sha256')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(readFileSync(fileURLToPath(new URL('../../engine/inputs/sample-messages.ts', import.meta.url))))
  .digest('hex')
  .slice(0, 10);
const SEED = 10;
const TELEMETRY_SHARE = 0.9;
const TELEMETRY_FIELDS = 7;

export interface AnchorData {
  /** The framed file (Hindsight's input queue format). */
  framed: string;
  /** The same messages as NDJSON. */
  ndjson: string;
  /** An empty file, for start-up figures. */
  empty: string;
  count: number;
  /** Messages with Type == 'telemetry' counted by Fields[docType] ("unknown" when absent). */
  truth: Record<string, number>;
  framedBytes: number;
  fieldsPerMessage: number;
}

interface Manifest {
  recipe: string;
  count: number;
  truth: Record<string, number>;
  framedBytes: number;
  fieldsPerMessage: number;
}

/** The data for `count` messages in `dir`, written when absent (or written by another recipe). */
export async function anchorData(dir: string, count: number): Promise<AnchorData> {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `telemetry-${count}-${RECIPE}`);
  const paths = { framed: `${base}.log`, ndjson: `${base}.ndjson`, empty: join(dir, 'empty.log'), manifest: `${base}.json` };
  if (!existsSync(paths.empty)) writeFileSync(paths.empty, '');
  if (existsSync(paths.manifest) && existsSync(paths.framed) && existsSync(paths.ndjson)) {
    const m = JSON.parse(readFileSync(paths.manifest, 'utf8')) as Manifest;
    if (m.recipe === RECIPE && m.count === count) return { ...paths, ...m };
  }
  // Files of another recipe are stale: make room for the new ones (~800 MB a set).
  for (const f of readdirSync(dir)) if (f.startsWith(`telemetry-${count}-`) && !join(dir, f).startsWith(base)) rmSync(join(dir, f));
  const started = performance.now();
  process.stdout.write(`writing ${count} messages to ${paths.framed} and .ndjson (once; cached) ... `);
  const framedOut = createWriteStream(`${paths.framed}.part`);
  const ndjsonOut = createWriteStream(`${paths.ndjson}.part`);
  const truth: Record<string, number> = {};
  let framedBytes = 0;
  let fields = 0;
  const rng = createRng(SEED);
  let others = 0;
  let framedChunk: Uint8Array[] = [];
  let ndjsonChunk: string[] = [];
  const flush = async () => {
    const buf = Buffer.concat(framedChunk);
    framedBytes += buf.length;
    await Promise.all([write(framedOut, buf), write(ndjsonOut, ndjsonChunk.join(''))]);
    framedChunk = [];
    ndjsonChunk = [];
  };
  for (let i = 0, seq = 0; i < count; seq++) {
    const m = shape(sampleMessage(rng, seq));
    if (m.type !== 'telemetry') {
      // Keep a non-telemetry message only while they stay under their share.
      if (others + 1 > (1 - TELEMETRY_SHARE) * (i + 1)) continue;
      others++;
    } else {
      const dt = readField(m, 'docType');
      const key = typeof dt === 'string' ? dt : 'unknown';
      truth[key] = (truth[key] ?? 0) + 1;
    }
    fields += m.fields.length;
    framedChunk.push(frameMessage(encodeMessage(m)));
    ndjsonChunk.push(JSON.stringify(messageToJSON(m)) + '\n');
    i++;
    if (framedChunk.length === 20_000) await flush();
  }
  await flush();
  await Promise.all([close(framedOut), close(ndjsonOut)]);
  renameSync(`${paths.framed}.part`, paths.framed);
  renameSync(`${paths.ndjson}.part`, paths.ndjson);
  const manifest: Manifest = { recipe: RECIPE, count, truth, framedBytes, fieldsPerMessage: fields / count };
  writeFileSync(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { ...paths, ...manifest };
}

/** Telemetry messages cut to their first fields (clientId left out) and no Payload; others as generated. */
function shape(m: Message): Message {
  if (m.type !== 'telemetry') return m;
  const { payload: _payload, ...rest } = m;
  return { ...rest, fields: m.fields.filter((f) => f.name !== 'clientId').slice(0, TELEMETRY_FIELDS) };
}

function write(out: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

function close(out: NodeJS.WritableStream & { close?: unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}
