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

  it('reports the engine status: stream offsets and counts, and each worker', async () => {
    const before = portal.engineStatus();
    const body = Buffer.from([line(10), line(11), 'nonsense'].join('\n'));
    await portal.ingest({ format: 'ndjson', body, maxErrors: 10 });
    const after = portal.engineStatus();
    expect(after.at).toBeGreaterThanOrEqual(before.at);
    expect(after.stream.nextOffset).toBe(before.stream.nextOffset + 2);
    expect(after.stream.ingested).toBe(before.stream.ingested + 2);
    expect(after.stream.bytes).toBeGreaterThan(before.stream.bytes);
    expect(after.stream.window).toBe(Math.min(after.stream.windowCapacity, before.stream.window + 2));
    expect(after.workers.map((w) => w.index)).toEqual([0]);
    expect(after.workers[0]).toMatchObject({ plugins: 0, activeMs: expect.any(Number) }); // no plugin here: its loop may not have worked yet
    if (process.platform === 'linux') {
      // Known once the worker has loaded and said which thread it is; loading took CPU.
      const deadline = Date.now() + 20_000;
      while (portal.engineStatus().workers[0].cpuMs === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(portal.engineStatus().workers[0].cpuMs).toBeGreaterThan(0);
    }
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

describe('RuntimePortalEngine Run Matcher and Test Plugin on a real Engine', () => {
  const tutorial = {
    owner: 'dave',
    name: 'example',
    matcher: "Type == 'telemetry'",
    config: { ticker_interval: 1, preserve_data: false, user: {} },
  };

  beforeAll(async () => {
    await portal.engine.ingest(sampleMessages(3000, 5));
  });

  it('reports a matcher error with its position, and pages through matches newest first', async () => {
    expect(await portal.runMatcher({ matcher: "Type = 'telemetry'", offset: 0, limit: 25 })).toMatchObject({
      ok: false,
      error: { position: 5 },
    });
    const first = await portal.runMatcher({ matcher: "Type == 'telemetry'", offset: 0, limit: 25 });
    const second = await portal.runMatcher({ matcher: "Type == 'telemetry'", offset: 25, limit: 25 });
    if (!first.ok || !second.ok) throw new Error('matcher failed');
    expect(first.matched).toBeGreaterThan(2000);
    expect(first.scanned).toBeGreaterThanOrEqual(3000);
    expect(first.messages).toHaveLength(25);
    expect(first.messages.every((m) => m.type === 'telemetry')).toBe(true);
    expect(BigInt(first.messages[0].timestamp)).toBeGreaterThanOrEqual(BigInt(first.messages[24].timestamp));
    expect(BigInt(first.messages[24].timestamp)).toBeGreaterThanOrEqual(BigInt(second.messages[0].timestamp));
  });

  it('Test Plugin shows each output once, with its final value, and counts what ran', async () => {
    const source = `var types = {};
function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  types[dt] = (types[dt] || 0) + 1;
  return 0;
}
function timer_event() {
  var total = 0;
  for (const k in types) total += types[k];
  inject_payload("txt", "total", total);
}`;
    const report = await portal.testPlugin({ ...tutorial, source });
    expect(report.passed).toBe(true);
    expect(report.processed).toBe(report.matched);
    expect(report.outputs).toEqual([{ name: 'analysis.dave.example.total.txt', type: 'txt', content: String(report.processed) }]);
  });

  it('Test Plugin reports a throwing plugin with its line, and a bad matcher without running', async () => {
    // With a timer_event: the window's first messages may be far apart in time, and a missing timer_event would end the run first.
    const thrown = await portal.testPlugin({ ...tutorial, source: 'function process_message() {\n  const doc = undefined;\n  return doc.type;\n}\nfunction timer_event() {}' });
    expect(thrown.passed).toBe(false);
    expect(thrown.termination).toMatchObject({ phase: 'process_message', line: 3 });
    expect(thrown.termination?.message).toMatch(/^process_message\(\) example\.js:3: TypeError/);

    const badMatcher = await portal.testPlugin({ ...tutorial, matcher: 'Pid =~ "6"', source: 'function process_message() { return 0; }' });
    expect(badMatcher).toMatchObject({ passed: false, matcherError: { position: 4 }, processed: 0 });
    // The position is a field of its own; the message does not repeat it ("... at 4").
    expect(badMatcher.matcherError?.message).not.toMatch(/ at \d+$/);
  });
});
