import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage, frameMessage, MessageStream, sampleMessages } from '@/engine/index';
import type { IngestResult, PortalEngine } from '@/lib/engine';
import { INGEST_MAX_BYTES, INGEST_MAX_ERRORS } from '@/lib/ingest';
import { ingestIntoStream } from '@/lib/portal-engine';
import { recordingEngine, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { createToken, revokeToken } from '@/lib/tokens';
import { POST } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let token: string;
let streamDir: string;
let stream: MessageStream;

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  token = (await createToken(alice.id, 'collector')).token;
  streamDir = await mkdtemp(path.join(os.tmpdir(), 'foresight-ingest-'));
  stream = await MessageStream.open(streamDir);
});
afterAll(async () => {
  await stream.close();
  await rm(streamDir, { recursive: true, force: true });
  await cleanUp();
});
beforeEach(() => withoutEngine());

/** The recording engine, ingesting for real into a MessageStream (the same code RuntimePortalEngine runs). */
function streamEngine(overrides: Partial<PortalEngine> = {}) {
  return recordingEngine({ ingest: (request) => ingestIntoStream(stream, request), ...overrides });
}

function ingestRequest(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body };
  if (body instanceof ReadableStream) init.duplex = 'half';
  return new Request('http://localhost/api/ingest', init);
}

const auth = () => ({ authorization: `Bearer ${token}` });
const ndjson = (t = token) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/x-ndjson' });

const good = (n: number) => JSON.stringify({ Type: 'http.test', Logger: 'curl', Payload: `message ${n}`, Fields: { n } });

describe('POST /api/ingest authentication', () => {
  it('answers 401 with only {error} without a token, with a session cookie only, or with a malformed token', async () => {
    const engine = streamEngine();
    const cases = [
      ingestRequest(good(1), { 'content-type': 'application/x-ndjson' }),
      ingestRequest(good(1), { 'content-type': 'application/x-ndjson', cookie: alice.cookie }),
      ingestRequest(good(1), { 'content-type': 'application/x-ndjson', authorization: `Basic ${token}` }),
      ingestRequest(good(1), ndjson('fst_not-a-real-token')),
      ingestRequest(good(1), ndjson(`${token}x`)),
    ];
    for (const req of cases) {
      const res = await POST(req);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await res.json();
      expect(Object.keys(body)).toEqual(['error']);
    }
    expect(engine.calls).toEqual([]);
  });

  it('answers 401 for a revoked token', async () => {
    const engine = streamEngine();
    const created = await createToken(alice.id, 'temporary');
    expect((await POST(ingestRequest(good(1), ndjson(created.token)))).status).toBe(200);
    await revokeToken(alice.id, created.view.id);
    const res = await POST(ingestRequest(good(2), ndjson(created.token)));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatch(/revoked/);
    expect(engine.calls.filter((c) => c.method === 'ingest')).toHaveLength(1);
  });
});

describe('POST /api/ingest request checks', () => {
  it('answers 415 for other content types, listing the accepted ones', async () => {
    const engine = streamEngine();
    for (const contentType of ['text/csv', 'application/xml', undefined]) {
      const headers: Record<string, string> = auth();
      if (contentType) headers['content-type'] = contentType;
      const res = await POST(ingestRequest(contentType ? good(1) : new Uint8Array([1, 2]), headers));
      expect(res.status).toBe(415);
      const body = await res.json();
      expect(body.error).toContain('application/x-ndjson');
      expect(body.error).toContain('application/x-protobuf');
      expect(body.accepted).toEqual(expect.arrayContaining(['application/x-ndjson', 'application/json', 'text/plain', 'application/octet-stream']));
    }
    expect(engine.calls).toEqual([]);
  });

  it('answers 413 for a body over the limit, by Content-Length or while reading a stream without one', async () => {
    const engine = streamEngine();
    const big = new Uint8Array(INGEST_MAX_BYTES + 1).fill(0x20);
    const declared = await POST(ingestRequest(big, { ...ndjson(), 'content-length': String(big.length) }));
    expect(declared.status).toBe(413);
    expect((await declared.json()).error).toMatch(/larger than the 16 MiB limit/);

    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * INGEST_MAX_BYTES) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const res = await POST(ingestRequest(streamed, ndjson()));
    expect(res.status).toBe(413);
    // Refused as soon as the limit was passed, not after reading all 64 MiB.
    expect(sent).toBeLessThan(2 * INGEST_MAX_BYTES);
    expect(engine.calls).toEqual([]);
  });

  it('answers 400 for an empty body and 503 while the engine is not running', async () => {
    streamEngine();
    const empty = await POST(ingestRequest('', ndjson()));
    expect(empty.status).toBe(400);
    withoutEngine();
    const res = await POST(ingestRequest(good(1), ndjson()));
    expect(res.status).toBe(503);
    expect(Object.keys(await res.json())).toEqual(['error']);
  });
});

describe('POST /api/ingest NDJSON', () => {
  it('appends the good lines and names each bad line with its reason', async () => {
    const engine = streamEngine();
    const before = stream.nextOffset;
    const body = [good(1), '{"Type": ', '', good(2), '[1, 2]', '{"Timestamp": "yesterday"}', good(3)].join('\n');
    const res = await POST(ingestRequest(body, ndjson()));
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer).toMatchObject({ accepted: 3, rejected: 3, errorsOmitted: 0 });
    expect(answer.errors.map((e: { line: number }) => e.line)).toEqual([2, 5, 6]);
    for (const e of answer.errors) expect(e.reason).toEqual(expect.any(String));
    expect(answer.errors[2].reason).toMatch(/Timestamp/);
    expect(engine.calls[0].args[0]).toMatchObject({ format: 'ndjson', maxErrors: INGEST_MAX_ERRORS });

    expect(stream.nextOffset).toBe(before + 3);
    const landed = stream.recent(3).map((e) => e.message.payload);
    expect(landed).toEqual(['message 1', 'message 2', 'message 3']);
  });

  it('caps the error list and says how many were left out', async () => {
    streamEngine();
    const lines = Array.from({ length: INGEST_MAX_ERRORS + 25 }, () => 'not json');
    const res = await POST(ingestRequest(lines.join('\n'), { ...ndjson(), 'content-type': 'text/plain; charset=utf-8' }));
    const answer = await res.json();
    expect(answer).toMatchObject({ accepted: 0, rejected: INGEST_MAX_ERRORS + 25, errorsOmitted: 25 });
    expect(answer.errors).toHaveLength(INGEST_MAX_ERRORS);
  });

  it('takes application/json as one pretty-printed message or as NDJSON', async () => {
    streamEngine();
    const before = stream.nextOffset;
    const pretty = JSON.stringify({ Type: 'http.test', Payload: 'pretty', Fields: { a: 'x\ny' } }, null, 2);
    const one = await (await POST(ingestRequest(pretty, { ...auth(), 'content-type': 'application/json' }))).json();
    expect(one).toEqual({ accepted: 1, rejected: 0, errors: [], errorsOmitted: 0 });
    const two = await (await POST(ingestRequest(`${good(4)}\n${good(5)}\n`, { ...auth(), 'content-type': 'application/json' }))).json();
    expect(two).toMatchObject({ accepted: 2, rejected: 0 });
    expect(stream.nextOffset).toBe(before + 3);
    expect(stream.recent(3)[0].message.payload).toBe('pretty');
  });
});

describe('POST /api/ingest Hindsight protobuf', () => {
  it('appends framed protobuf records and names a damaged record', async () => {
    const engine = streamEngine();
    const before = stream.nextOffset;
    const messages = sampleMessages(5, 7);
    const frames = messages.map((m) => frameMessage(encodeMessage(m)));
    const res = await POST(ingestRequest(Buffer.concat(frames), { ...auth(), 'content-type': 'application/x-protobuf' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 5, rejected: 0, errors: [], errorsOmitted: 0 });
    expect(engine.calls[0].args[0]).toMatchObject({ format: 'hindsight' });
    expect(stream.recent(5).map((e) => e.message.payload)).toEqual(messages.map((m) => m.payload));
    expect(stream.nextOffset).toBe(before + 5);

    // A record whose protobuf is garbage, between two good ones.
    const bad = frameMessage(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    const mixed = Buffer.concat([frames[0], bad, frames[1]]);
    const answer = await (await POST(ingestRequest(mixed, { ...auth(), 'content-type': 'application/octet-stream' }))).json();
    expect(answer).toMatchObject({ accepted: 2, rejected: 1 });
    expect(answer.errors[0]).toMatchObject({ record: 2, reason: expect.any(String) });
  });
});

describe('POST /api/ingest refuses what is not a message, and what would pass for the engine', () => {
  it('rejects an NDJSON line with only unknown keys (or none) with a reason naming them, and appends the rest', async () => {
    streamEngine();
    const before = stream.nextOffset;
    const body = [good(1), '{"Typo":"x","payload2":"y"}', '{}', good(2)].join('\n');
    const answer = await (await POST(ingestRequest(body, ndjson()))).json();
    expect(answer).toMatchObject({ accepted: 2, rejected: 2, errorsOmitted: 0 });
    expect(answer.errors).toEqual([
      { line: 2, reason: expect.stringMatching(/^no Heka header or Fields, only unknown keys "Typo", "payload2"/) },
      { line: 3, reason: 'the object is empty: a message needs at least one header or Fields' },
    ]);
    expect(stream.nextOffset).toBe(before + 2);
    expect(stream.recent(2).map((e) => e.message.payload)).toEqual(['message 1', 'message 2']);
  });

  it('rejects a framed record with only unknown tags, naming them', async () => {
    streamEngine();
    const before = stream.nextOffset;
    const [m] = sampleMessages(1, 3);
    const unknownOnly = frameMessage(Uint8Array.of(0x5a, 0x01, 0x78)); // tag 11, "x"
    const answer = await (
      await POST(ingestRequest(Buffer.concat([unknownOnly, frameMessage(encodeMessage(m))]), { ...auth(), 'content-type': 'application/x-protobuf' }))
    ).json();
    expect(answer).toMatchObject({ accepted: 1, rejected: 1 });
    expect(answer.errors).toEqual([{ record: 1, byte: 0, reason: 'no Heka header or field, only unknown tag 11: not a Heka message' }]);
    expect(stream.nextOffset).toBe(before + 1);
  });

  it("rejects messages whose Logger is the engine's (analysis., input., output.), NDJSON and framed, and appends the rest", async () => {
    streamEngine();
    const before = stream.nextOffset;
    const line = (logger: string) => JSON.stringify({ Type: 'http.test', Logger: logger, Payload: logger });
    const body = ['analysis.alice.secret', 'curl', 'input.sample', 'output.x', 'analysis'].map(line).join('\n');
    const answer = await (await POST(ingestRequest(body, ndjson()))).json();
    expect(answer).toMatchObject({ accepted: 2, rejected: 3 });
    expect(answer.errors).toEqual([
      {
        line: 1,
        reason:
          'Logger "analysis.alice.secret" is reserved: Logger values starting with "analysis." mark the engine\'s own messages (analysis., input., output.); use another Logger',
      },
      { line: 3, reason: expect.stringMatching(/^Logger "input.sample" is reserved/) },
      { line: 4, reason: expect.stringMatching(/^Logger "output.x" is reserved/) },
    ]);
    expect(stream.recent(2).map((e) => e.message.logger)).toEqual(['curl', 'analysis']);

    const [m] = sampleMessages(1, 4);
    const framed = Buffer.concat([frameMessage(encodeMessage({ ...m, logger: 'analysis.alice.secret' })), frameMessage(encodeMessage(m))]);
    const binary = await (await POST(ingestRequest(framed, { ...auth(), 'content-type': 'application/x-protobuf' }))).json();
    expect(binary).toMatchObject({ accepted: 1, rejected: 1 });
    expect(binary.errors[0]).toEqual({ record: 1, byte: 0, reason: expect.stringMatching(/^Logger "analysis.alice.secret" is reserved/) });
    expect(stream.nextOffset).toBe(before + 3);
    expect(stream.recent(1)[0].message.logger).toBe(m.logger);
  });
});

describe('POST /api/ingest when the stream refuses', () => {
  const refuse = (code: 'DISK_FULL' | 'OVERLOADED' | 'UNAVAILABLE', retryAfterMs: number) =>
    streamEngine({ ingest: async (): Promise<IngestResult> => ({ ok: false, refusal: { code, message: `${code} in test`, retryAfterMs } }) });

  it('answers 503 with Retry-After when the disk is full', async () => {
    refuse('DISK_FULL', 1000);
    const res = await POST(ingestRequest(good(1), ndjson()));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = await res.json();
    expect(body).toMatchObject({ code: 'DISK_FULL', retryAfterMs: 1000 });
    expect(body.error).toMatch(/out of disk space; nothing from this request was appended/);
  });

  it('answers 429 with Retry-After (whole seconds, rounded up) when overloaded', async () => {
    refuse('OVERLOADED', 1500);
    const res = await POST(ingestRequest(good(1), ndjson()));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await res.json()).error).toMatch(/busy/);
  });

  it('answers 503 for other write failures, and a bare 500 for anything unexpected', async () => {
    refuse('UNAVAILABLE', 5000);
    const res = await POST(ingestRequest(good(1), ndjson()));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');

    streamEngine({
      ingest: async () => {
        throw new Error('secret internals');
      },
    });
    const crash = await POST(ingestRequest(good(1), ndjson()));
    expect(crash.status).toBe(500);
    const text = await crash.text();
    expect(text).not.toContain('secret internals');
    expect(text).not.toContain('at ');
  });
});
