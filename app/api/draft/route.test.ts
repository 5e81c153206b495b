import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, setUpTestDatabase, signedInUser, type TestUser } from '@/lib/testing/api-harness';
import { db } from '@/lib/db';
import { STARTER_DRAFT } from '@/lib/drafts';
import { GET, PUT } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  bob = await signedInUser('bob@example.com');
});
afterAll(() => cleanUp());

const draft = { name: 'example', matcher: "Type == 'telemetry'", source: 'function process_message() { return 0 }', config: { ticker_interval: 5, preserve_data: true, user: { threshold: 3 } } };

describe('/api/draft', () => {
  it('answers 401 JSON without a session, and with an expired one', async () => {
    const res = await GET(request('/api/draft'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/sign in/i) });

    const expired = await db().session.create({ data: { sessionToken: 'expired-token', userId: alice.id, expires: new Date(Date.now() - 1000) } });
    const res2 = await PUT(request('/api/draft', { method: 'PUT', body: draft, user: { ...alice, cookie: `authjs.session-token=${expired.sessionToken}` } }));
    expect(res2.status).toBe(401);
  });

  it('starts from the starter template', async () => {
    const res = await GET(request('/api/draft', { user: alice }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(STARTER_DRAFT);
  });

  it('saves per user and returns the saved draft', async () => {
    const saved = await PUT(request('/api/draft', { method: 'PUT', body: draft, user: alice }));
    expect(saved.status).toBe(200);
    expect(await (await GET(request('/api/draft', { user: alice }))).json()).toMatchObject(draft);
    expect(await (await GET(request('/api/draft', { user: bob }))).json()).toEqual(STARTER_DRAFT);
  });

  it('names each invalid field by its path', async () => {
    const res = await PUT(
      request('/api/draft', {
        method: 'PUT',
        user: alice,
        body: { ...draft, config: { ticker_interval: -1, preserve_data: 'yes', user: { memory_limit: 1, 'bad key': 2 } } },
      }),
    );
    expect(res.status).toBe(400);
    const body = await res.json();
    const paths = body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['config.ticker_interval', 'config.preserve_data', 'config.user.memory_limit', 'config.user.bad key']));
    expect(body.error).toMatch(/^Invalid request: /);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await PUT(request('/api/draft', { method: 'PUT', user: alice, rawBody: '{nope' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'The request body must be JSON' });
  });
});
