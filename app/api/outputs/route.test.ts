import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db';
import { params, recordingEngine, request, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { GET as getOutput } from './[name]/route';
import { GET as listOutputs } from './route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
const name = 'analysis.alice.example.types.txt';

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  const plugin = await db().plugin.create({
    data: { ownerId: alice.id, name: 'example', source: 's', matcher: 'TRUE', config: {}, state: 'stopped' },
  });
  await db().pluginOutput.create({ data: { pluginId: plugin.id, name, content: 'main = 3\n' } });
});
afterAll(() => cleanUp());
beforeEach(() => withoutEngine());

describe('/api/outputs', () => {
  it('answers 401 without a session', async () => {
    expect((await listOutputs(request('/api/outputs'))).status).toBe(401);
    expect((await getOutput(request(`/api/outputs/${name}`), params({ name }))).status).toBe(401);
  });

  it('serves what the database kept, marked stale, while the engine is not running', async () => {
    const list = await (await listOutputs(request('/api/outputs', { user: alice }))).json();
    expect(list.outputs).toEqual([{ name, plugin: 'alice.example', bytes: 9, updatedAt: expect.any(String), stale: true }]);
    const one = await (await getOutput(request(`/api/outputs/${name}`, { user: alice }), params({ name }))).json();
    expect(one).toMatchObject({ name, content: 'main = 3\n', stale: true });
  });

  it('asks the engine when it runs', async () => {
    const live = { name, plugin: 'alice.example', bytes: 9, updatedAt: new Date(0).toISOString(), stale: false, content: 'main = 4\n' };
    recordingEngine({ listOutputs: () => [live], readOutput: (n: string) => (n === name ? live : null) });
    expect((await (await listOutputs(request('/api/outputs', { user: alice }))).json()).outputs).toEqual([live]);
    expect(await (await getOutput(request(`/api/outputs/${name}`, { user: alice }), params({ name }))).json()).toEqual(live);
  });

  it('answers 404 for unknown and malformed names', async () => {
    const unknown = await getOutput(request('/api/outputs/analysis.x.y.z.txt', { user: alice }), params({ name: 'analysis.x.y.z.txt' }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Output 'analysis.x.y.z.txt' does not exist" });
    const malformed = await getOutput(request('/api/outputs/..', { user: alice }), params({ name: '../secret' }));
    expect(malformed.status).toBe(404);
  });
});
