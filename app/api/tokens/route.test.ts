import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db';
import { params, request, setUpTestDatabase, signedInUser, type TestUser } from '@/lib/testing/api-harness';
import { hashToken, userForToken } from '@/lib/tokens';
import { DELETE } from './[id]/route';
import { GET, POST } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  bob = await signedInUser('bob@example.com');
});
afterAll(() => cleanUp());

describe('/api/tokens', () => {
  it('answers 401 without a session', async () => {
    expect((await GET(request('/api/tokens'))).status).toBe(401);
    expect((await POST(request('/api/tokens', { method: 'POST', body: { name: 'x' } }))).status).toBe(401);
    expect((await DELETE(request('/api/tokens/x', { method: 'DELETE' }), params({ id: 'x' }))).status).toBe(401);
  });

  it('requires a name, by field path', async () => {
    const res = await POST(request('/api/tokens', { method: 'POST', user: alice, body: { name: '  ' } }));
    expect(res.status).toBe(400);
    expect((await res.json()).issues).toEqual([{ path: 'name', message: expect.any(String) }]);
  });

  it('shows the token once, stores only its hash, and lists it without the secret', async () => {
    const res = await POST(request('/api/tokens', { method: 'POST', user: alice, body: { name: 'collector' } }));
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.token).toMatch(/^fst_[\w-]{40,}$/);
    expect(created.token.startsWith(created.prefix)).toBe(true);

    const row = await db().apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.hash).toBe(hashToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const list = await (await GET(request('/api/tokens', { user: alice }))).json();
    expect(list.tokens).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(list.tokens[0]).toMatchObject({ name: 'collector', prefix: created.prefix, revokedAt: null });
    expect((await (await GET(request('/api/tokens', { user: bob }))).json()).tokens).toEqual([]);

    expect(await userForToken(created.token)).toEqual({ id: alice.id, namespace: 'alice' });
    expect(await userForToken(`${created.token}x`)).toBeNull();
  });

  it('lets only the owner revoke a token; a revoked token no longer authenticates', async () => {
    const created = await (await POST(request('/api/tokens', { method: 'POST', user: alice, body: { name: 'temp' } }))).json();
    const byBob = await DELETE(request(`/api/tokens/${created.id}`, { method: 'DELETE', user: bob }), params({ id: created.id }));
    expect(byBob.status).toBe(404);
    expect(await userForToken(created.token)).not.toBeNull();

    const res = await DELETE(request(`/api/tokens/${created.id}`, { method: 'DELETE', user: alice }), params({ id: created.id }));
    expect(res.status).toBe(200);
    expect((await res.json()).revokedAt).toEqual(expect.any(String));
    expect(await userForToken(created.token)).toBeNull();
  });
});
