/**
 * Paging of the two long lists, /api/plugins and /api/outputs: the caller's
 * own rows first, search and "only mine", bounds refused with what is wrong,
 * and live figures only for the page's rows.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db';
import type { OutputSummary, PluginStats } from '@/lib/engine';
import { recordingEngine, request, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { GET as listOutputs } from './outputs/route';
import { GET as listPlugins } from './plugins/route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let bob: TestUser;

const stats = (id: string): PluginStats => ({ id, state: 'running', processed: 1, rate: 0, failures: 0, memoryBytes: 1, maxMemoryBytes: 1, avgProcessNs: 1, avgTimerNs: 1 });

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  bob = await signedInUser('bob@example.com');
  // 30 of bob's plugins and 5 of alice's, created in no particular order.
  const rows = [...Array.from({ length: 30 }, (_, i) => ({ ownerId: bob.id, name: `p${String(i).padStart(2, '0')}` })), ...Array.from({ length: 5 }, (_, i) => ({ ownerId: alice.id, name: `q${i}` }))];
  for (const r of rows.sort(() => 0.5 - Math.random())) {
    await db().plugin.create({ data: { ...r, source: 's', matcher: 'TRUE', config: {}, state: 'running' } });
  }
});
afterAll(() => cleanUp());
beforeEach(() => withoutEngine());

async function get(handler: typeof listPlugins, url: string, user: TestUser) {
  const res = await handler(request(url, { user }));
  return { status: res.status, body: await res.json() };
}

describe('GET /api/plugins, paged', () => {
  it('puts the caller’s own plugins first, then everyone else’s by id, with the total', async () => {
    const { body } = await get(listPlugins, '/api/plugins?limit=7', alice);
    expect(body.plugins.map((p: { id: string }) => p.id)).toEqual(['alice.q0', 'alice.q1', 'alice.q2', 'alice.q3', 'alice.q4', 'bob.p00', 'bob.p01']);
    expect(body).toMatchObject({ total: 35, offset: 0, limit: 7 });
    expect(body.plugins[0].canManage).toBe(true);
    expect(body.plugins[5].canManage).toBe(false);
    const asBob = await get(listPlugins, '/api/plugins?limit=2', bob);
    expect(asBob.body.plugins.map((p: { id: string }) => p.id)).toEqual(['bob.p00', 'bob.p01']);
  });

  it('pages without gaps or repeats, 50 by default', async () => {
    const first = await get(listPlugins, '/api/plugins', alice);
    expect(first.body.plugins).toHaveLength(35);
    expect(first.body.limit).toBe(50);
    const seen: string[] = [];
    for (let offset = 0; offset < 35; offset += 10) {
      const { body } = await get(listPlugins, `/api/plugins?offset=${offset}&limit=10`, alice);
      seen.push(...body.plugins.map((p: { id: string }) => p.id));
    }
    expect(seen).toEqual(first.body.plugins.map((p: { id: string }) => p.id));
    expect((await get(listPlugins, '/api/plugins?offset=100', alice)).body).toMatchObject({ plugins: [], total: 35 });
  });

  it('searches and shows only the caller’s own', async () => {
    expect((await get(listPlugins, '/api/plugins?q=P2', alice)).body.plugins.map((p: { id: string }) => p.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `bob.p2${i}`),
    );
    const mine = await get(listPlugins, '/api/plugins?scope=mine', bob);
    expect(mine.body.total).toBe(30);
    expect(mine.body.plugins.every((p: { owner: string }) => p.owner === 'bob')).toBe(true);
  });

  it('refuses bad paging parameters with what is wrong', async () => {
    for (const [query, message] of [
      ['limit=201', 'limit: limit must be at most 200'],
      ['limit=0', 'limit: limit must be 1 or more'],
      ['offset=-5', 'offset: offset must be 0 or more'],
      ['offset=1.5', 'offset: offset must be a whole number'],
      ['scope=everyone', "scope: scope must be 'all' or 'mine'"],
    ]) {
      const { status, body } = await get(listPlugins, `/api/plugins?${query}`, alice);
      expect(status).toBe(400);
      expect(body.error).toBe(`Invalid request: ${message}`);
    }
  });

  it('gives live figures with the page', async () => {
    recordingEngine({ pluginStats: () => [stats('bob.p00'), stats('alice.q0')] });
    const { body } = await get(listPlugins, '/api/plugins?limit=6', alice);
    expect(body.plugins[0].stats).toMatchObject({ id: 'alice.q0' });
    expect(body.plugins[5]).toMatchObject({ id: 'bob.p00', stats: { id: 'bob.p00' } });
  });
});

describe('GET /api/outputs, paged', () => {
  const output = (name: string): OutputSummary => ({ name, plugin: name.split('.').slice(1, 3).join('.'), bytes: 1, updatedAt: new Date(0).toISOString(), stale: false });

  it('puts the caller’s own outputs first, pages, searches and refuses bad parameters', async () => {
    const names = [...Array.from({ length: 60 }, (_, i) => `analysis.bob.p${i}.n.txt`), 'analysis.alice.q0.n.txt', 'analysis.alice.q0.m.txt'];
    recordingEngine({ listOutputs: () => names.map(output) });
    const first = await get(listOutputs, '/api/outputs', alice);
    expect(first.body).toMatchObject({ total: 62, offset: 0, limit: 50 });
    expect(first.body.outputs.slice(0, 3).map((o: OutputSummary) => o.name)).toEqual(['analysis.alice.q0.m.txt', 'analysis.alice.q0.n.txt', 'analysis.bob.p0.n.txt']);
    const last = await get(listOutputs, '/api/outputs?offset=50&limit=50', alice);
    expect(last.body.outputs).toHaveLength(12);
    expect((await get(listOutputs, '/api/outputs?scope=mine', alice)).body.total).toBe(2);
    expect((await get(listOutputs, '/api/outputs?q=p5', bob)).body.outputs.map((o: OutputSummary) => o.name)).toEqual(
      ['analysis.bob.p5.n.txt', ...Array.from({ length: 10 }, (_, i) => `analysis.bob.p5${i}.n.txt`)].sort(),
    );
    const bad = await get(listOutputs, '/api/outputs?limit=1000', alice);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('Invalid request: limit: limit must be at most 200');
  });
});
