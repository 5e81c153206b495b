import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '@/lib/engine';
import { recordingEngine, request, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { GET } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let admin: TestUser;

const status: EngineStatus = {
  at: 1_700_000_000_000,
  stream: { firstOffset: 0, nextOffset: 1234, bytes: 530_000, segments: 1, ingested: 1234, rejected: 2, window: 1234, windowCapacity: 200_000 },
  workers: [
    { index: 0, plugins: 3, activeMs: 812.5, cpuMs: 640.25 },
    { index: 1, plugins: 2, activeMs: 90 },
  ],
};

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  admin = await signedInUser('root@example.com', { admin: true });
});
afterAll(() => cleanUp());
beforeEach(() => withoutEngine());

describe('/api/engine', () => {
  it('answers 401 without a session and 403 to someone who is not an admin', async () => {
    recordingEngine({ engineStatus: () => status });
    expect((await GET(request('/api/engine'))).status).toBe(401);
    const refused = await GET(request('/api/engine', { user: alice }));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'Only admins may see the engine status' });
  });

  it('answers 503 while the engine is not running', async () => {
    const r = await GET(request('/api/engine', { user: admin }));
    expect(r.status).toBe(503);
    expect((await r.json()).error).toMatch(/engine is not running/);
  });

  it("gives an admin the engine's status", async () => {
    const engine = recordingEngine({ engineStatus: () => status });
    const r = await GET(request('/api/engine', { user: admin }));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(status);
    expect(engine.calls.map((c) => c.method)).toEqual(['engineStatus']);
  });
});
