import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, setUpTestDatabase, signedInUser, type TestUser } from '@/lib/testing/api-harness';
import { GET } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
});
afterAll(() => cleanUp());

describe('/api/plugin-api', () => {
  it('answers 401 without a session', async () => {
    expect((await GET(request('/api/plugin-api'))).status).toBe(401);
  });

  it('serves engine/sandbox/plugin-api.d.ts, or says it is not there yet', async () => {
    const res = await GET(request('/api/plugin-api', { user: alice }));
    if (existsSync(path.join(process.cwd(), 'engine', 'sandbox', 'plugin-api.d.ts'))) {
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/process_message|read_message/);
    } else {
      expect(res.status).toBe(404);
      expect((await res.json()).error).toMatch(/not available yet/);
    }
  });
});
