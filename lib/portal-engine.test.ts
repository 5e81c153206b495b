import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeMessage, frameMessage, LogFullError, LogWriteError, OverloadedError, sampleMessages } from '../engine/index';
import { RuntimePortalEngine } from './portal-engine';

let dir: string;
let portal: RuntimePortalEngine;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'foresight-portal-engine-'));
  portal = await RuntimePortalEngine.start({ dataDir: dir, sampleRate: 0, workers: 1 });
});
afterAll(async () => {
  await portal.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

const line = (n: number) => JSON.stringify({ Type: 'ingest.test', Logger: 'portal', Payload: `line ${n}`, Fields: { n } });

describe('RuntimePortalEngine.ingest on a real Engine', () => {
  it('appends NDJSON messages to the live stream and reports bad lines', async () => {
    const before = portal.engine.stream.nextOffset;
    const body = Buffer.from([line(1), 'nonsense', line(2), '{"Severity": "high"}', line(3)].join('\n'));
    const result = await portal.ingest({ format: 'ndjson', body, maxErrors: 1 });
    expect(result).toMatchObject({ ok: true, accepted: 3, rejected: 2, errorsOmitted: 1 });
    if (!result.ok) throw new Error('refused');
    expect(result.errors).toEqual([{ line: 2, reason: expect.any(String) }]);

    expect(portal.engine.stream.nextOffset).toBe(before + 3);
    const recent = portal.engine.stream.recent().map((e) => e.message);
    expect(recent.slice(-3).map((m) => [m.type, m.payload])).toEqual([
      ['ingest.test', 'line 1'],
      ['ingest.test', 'line 2'],
      ['ingest.test', 'line 3'],
    ]);
    // Missing Uuid and Timestamp were filled in.
    for (const m of recent.slice(-3)) expect(m.timestamp).toBeGreaterThan(0n);

    // And Run Matcher sees them.
    const run = await portal.runMatcher({ matcher: "Type == 'ingest.test'", offset: 0, limit: 10 });
    expect(run).toMatchObject({ ok: true, matched: 3 });
  });

  it('appends Hindsight framed protobuf records', async () => {
    const before = portal.engine.stream.nextOffset;
    const messages = sampleMessages(4, 11);
    const body = Buffer.concat(messages.map((m) => frameMessage(encodeMessage(m))));
    const result = await portal.ingest({ format: 'hindsight', body, maxErrors: 10 });
    expect(result).toEqual({ ok: true, accepted: 4, rejected: 0, errors: [], errorsOmitted: 0 });
    expect(portal.engine.stream.nextOffset).toBe(before + 4);
    const landed = portal.engine.stream.recent(4).map((e) => e.message);
    expect(landed.map((m) => m.uuid)).toEqual(messages.map((m) => m.uuid));
  });

  it('turns the stream refusals into DISK_FULL, OVERLOADED and UNAVAILABLE with nothing appended', async () => {
    const stream = portal.engine.stream;
    const before = stream.nextOffset;
    const spy = vi.spyOn(stream, 'ingestEncoded');
    spy.mockRejectedValueOnce(new LogFullError('disk full while appending'));
    spy.mockRejectedValueOnce(new OverloadedError('too much pending ingest', 250));
    spy.mockRejectedValueOnce(new LogWriteError('EIO'));
    const body = Buffer.from(`${line(1)}\n${line(2)}`);

    expect(await portal.ingest({ format: 'ndjson', body, maxErrors: 10 })).toEqual({
      ok: false,
      refusal: { code: 'DISK_FULL', message: 'disk full while appending', retryAfterMs: 1000 },
    });
    expect(await portal.ingest({ format: 'ndjson', body, maxErrors: 10 })).toEqual({
      ok: false,
      refusal: { code: 'OVERLOADED', message: 'too much pending ingest', retryAfterMs: 250 },
    });
    expect(await portal.ingest({ format: 'ndjson', body, maxErrors: 10 })).toMatchObject({
      ok: false,
      refusal: { code: 'UNAVAILABLE', message: 'EIO' },
    });
    expect(stream.nextOffset).toBe(before);

    spy.mockRejectedValueOnce(new TypeError('a bug'));
    await expect(portal.ingest({ format: 'ndjson', body, maxErrors: 10 })).rejects.toThrow('a bug');
    expect(stream.nextOffset).toBe(before);
  });
});
