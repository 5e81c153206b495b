import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db';
import { EngineBusyError } from '@/lib/engine';
import { params, recordingEngine, request, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { POST as runMatcher } from '../matcher/route';
import { DELETE, GET as getPlugin } from './[owner]/[name]/route';
import { POST as restart } from './[owner]/[name]/restart/route';
import { POST as stop } from './[owner]/[name]/stop/route';
import { GET as listPlugins, POST as deploy } from './route';
import { POST as testPlugin } from './test/route';

let cleanUp: () => Promise<void>;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  bob = await signedInUser('bob@example.com');
  admin = await signedInUser('ops@example.com', { admin: true });
});
afterAll(() => cleanUp());
beforeEach(() => withoutEngine());

const definition = {
  name: 'example',
  matcher: "Type == 'telemetry'",
  source: 'let n = 0; function process_message() { n++; return 0 } function timer_event() { inject_payload("txt", "count", n) }',
  config: { ticker_interval: 60, preserve_data: false, user: {} },
};
const example = { owner: 'alice', name: 'example' };

async function testAndDeploy(user: TestUser, def = definition) {
  const report = await (await testPlugin(request('/api/plugins/test', { method: 'POST', user, body: def }))).json();
  return deploy(request('/api/plugins', { method: 'POST', user, body: { ...def, deployProof: report.deployProof } }));
}

describe('every plugin route without a session', () => {
  it('answers 401 JSON', async () => {
    const responses = await Promise.all([
      runMatcher(request('/api/matcher', { method: 'POST', body: { matcher: 'TRUE' } })),
      testPlugin(request('/api/plugins/test', { method: 'POST', body: definition })),
      listPlugins(request('/api/plugins')),
      deploy(request('/api/plugins', { method: 'POST', body: definition })),
      getPlugin(request('/api/plugins/alice/example'), params(example)),
      DELETE(request('/api/plugins/alice/example', { method: 'DELETE' }), params(example)),
      stop(request('/api/plugins/alice/example/stop', { method: 'POST' }), params(example)),
      restart(request('/api/plugins/alice/example/restart', { method: 'POST' }), params(example)),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(401);
      expect(Object.keys(await res.json())).toEqual(['error']);
    }
  });
});

describe('/api/matcher', () => {
  it('validates the request with field paths', async () => {
    const res = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: '', limit: 1000 } }));
    expect(res.status).toBe(400);
    expect((await res.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'matcher']);
  });

  it('says plainly when the engine is not running', async () => {
    const res = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: 'TRUE' } }));
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatch(/engine is not running/);
  });

  it('passes the page to the engine and reports a matcher error with its position', async () => {
    const engine = recordingEngine({
      runMatcher: async ({ matcher }) =>
        matcher === 'Type = 1' ? { ok: false, error: { message: "expected '=='", position: 5 } } : { ok: true, windowSize: 10, scanned: 10, matched: 0, offset: 0, messages: [], elapsedMs: 1 },
    });
    const ok = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: 'TRUE', offset: 25 } }));
    expect(ok.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ method: 'runMatcher', args: [{ owner: 'alice', matcher: 'TRUE', offset: 25, limit: 25 }] });

    const bad = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: 'Type = 1' } }));
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ error: "Matcher error at 5: expected '=='", matcherError: { message: "expected '=='", position: 5 } });
  });
});

describe('Run Matcher and Test Plugin when the user already has enough going', () => {
  it('answer 429 with the reason and Retry-After, and pass the user and the request signal to the engine', async () => {
    const engine = recordingEngine({
      runMatcher: async () => {
        // As the server throws it: from its own copy of lib/engine.ts, so a different class of the same name.
        throw Object.assign(new Error('Run Matcher: alice already has 1 running, the most allowed; wait for it to finish'), { name: 'EngineBusyError', retryAfterMs: 1000 });
      },
      testPlugin: async () => {
        throw new EngineBusyError('Test Plugin: alice already has 1 running and 2 waiting, the most allowed; wait for one to finish', 2000);
      },
    });
    const matcher = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: 'TRUE' } }));
    expect(matcher.status).toBe(429);
    expect(matcher.headers.get('retry-after')).toBe('1');
    expect(await matcher.json()).toEqual({ error: 'Run Matcher: alice already has 1 running, the most allowed; wait for it to finish.' });
    const args = engine.calls[0].args[0] as { owner: string; signal: unknown };
    expect(args.owner).toBe('alice');
    expect(args.signal).toBeInstanceOf(AbortSignal);

    const tested = await testPlugin(request('/api/plugins/test', { method: 'POST', user: alice, body: definition }));
    expect(tested.status).toBe(429);
    expect(tested.headers.get('retry-after')).toBe('2');
    expect((await tested.json()).error).toMatch(/^Test Plugin: alice already has 1 running and 2 waiting/);
  });

  it('pass a run cut short through with its notice', async () => {
    const cutShort = { reason: 'budget' as const, message: 'Stopped at the 5 s time limit: scanned 10 of 20 messages (the newest first); 1 of those matched.' };
    recordingEngine({ runMatcher: async () => ({ ok: true, windowSize: 20, scanned: 10, matched: 1, offset: 0, messages: [], elapsedMs: 5000, cutShort }) });
    const res = await runMatcher(request('/api/matcher', { method: 'POST', user: alice, body: { matcher: 'TRUE' } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ windowSize: 20, scanned: 10, cutShort });
  });
});

describe('Test Plugin and Deploy Plugin', () => {
  it('validates the definition with field paths', async () => {
    recordingEngine();
    const res = await testPlugin(
      request('/api/plugins/test', { method: 'POST', user: alice, body: { ...definition, name: 'my.plugin', config: { ticker_interval: 1.5, preserve_data: false } } }),
    );
    expect(res.status).toBe(400);
    expect((await res.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(['config.ticker_interval', 'name']);
  });

  it('gives a deploy proof only for a passing test, as the owner', async () => {
    const engine = recordingEngine({
      testPlugin: async (def) => ({ passed: def.source.includes('ok'), scanned: 1, matched: 1, processed: 1, failures: [], outputs: [], debug: [], injected: [], elapsedMs: 1 }),
    });
    const failing = await (await testPlugin(request('/api/plugins/test', { method: 'POST', user: alice, body: definition }))).json();
    expect(failing.deployProof).toBeNull();
    const passing = await (await testPlugin(request('/api/plugins/test', { method: 'POST', user: alice, body: { ...definition, source: '// ok' } }))).json();
    expect(passing.deployProof).toEqual(expect.any(String));
    expect(engine.calls[0].args[0]).toMatchObject({ owner: 'alice', name: 'example' });
  });

  it('refuses to deploy without a test, or after an edit', async () => {
    recordingEngine();
    const missing = await deploy(request('/api/plugins', { method: 'POST', user: alice, body: definition }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).issues).toEqual([{ path: 'deployProof', message: expect.stringMatching(/Test the plugin first/) }]);

    const report = await (await testPlugin(request('/api/plugins/test', { method: 'POST', user: alice, body: definition }))).json();
    const edited = await deploy(request('/api/plugins', { method: 'POST', user: alice, body: { ...definition, source: `${definition.source}\n`, deployProof: report.deployProof } }));
    expect(edited.status).toBe(409);
    const otherUser = await deploy(request('/api/plugins', { method: 'POST', user: bob, body: { ...definition, deployProof: report.deployProof } }));
    expect(otherUser.status).toBe(409);
    expect(await db().plugin.count()).toBe(0);
  });

  it('deploys as <namespace>.<name>, keeps every version, and updates in place', async () => {
    const engine = recordingEngine();
    const first = await testAndDeploy(alice);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id: 'alice.example', version: 1, updated: false });
    const second = await testAndDeploy(alice, { ...definition, matcher: "Type == 'main'" });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id: 'alice.example', version: 2, updated: true });
    expect(engine.calls.filter((c) => c.method === 'deployPlugin')).toHaveLength(2);

    const plugin = await db().plugin.findFirstOrThrow({ where: { name: 'example' }, include: { versions: true } });
    expect(plugin).toMatchObject({ state: 'running', version: 2, matcher: "Type == 'main'" });
    expect(plugin.versions.map((v) => v.version).sort()).toEqual([1, 2]);

    const source = await (await getPlugin(request('/api/plugins/alice/example', { user: bob }), params(example))).json();
    expect(source).toMatchObject({ id: 'alice.example', matcher: "Type == 'main'", version: 2, shownVersion: 2, versions: [{ version: 2 }, { version: 1 }] });
    expect(source.versions[0]).toEqual({ version: 2, createdAt: expect.any(String) });

    // An earlier version's text, and clear answers for versions that are not there.
    const v1 = await (await getPlugin(request('/api/plugins/alice/example?version=1', { user: bob }), params(example))).json();
    expect(v1).toMatchObject({ matcher: "Type == 'telemetry'", version: 2, shownVersion: 1, source: definition.source });
    const missing = await getPlugin(request('/api/plugins/alice/example?version=7', { user: bob }), params(example));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Plugin 'alice.example' has no version 7" });
    for (const bad of ['0', 'two', '1.5']) {
      const res = await getPlugin(request(`/api/plugins/alice/example?version=${bad}`, { user: bob }), params(example));
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(/version must be/);
    }
  });

  it('puts the database back when the engine refuses a deploy', async () => {
    recordingEngine({
      deployPlugin: async () => {
        throw new Error('process_message() example.js:3: boom');
      },
    });
    const res = await testAndDeploy(alice, { ...definition, source: 'broken' });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toBe('Deploying alice.example failed: process_message() example.js:3: boom');
    const plugin = await db().plugin.findFirstOrThrow({ where: { name: 'example' }, include: { versions: true } });
    expect(plugin).toMatchObject({ state: 'running', version: 2, matcher: "Type == 'main'" });
    expect(plugin.versions).toHaveLength(2);

    const fresh = await testAndDeploy(bob, { ...definition, name: 'fresh' });
    expect(fresh.status).toBe(422);
    expect(await db().plugin.count({ where: { name: 'fresh' } })).toBe(0);
  });
});

describe('Plugins tab actions', () => {
  it('lists every plugin with its owner, and whether the user may manage it', async () => {
    recordingEngine({ pluginStats: () => [{ id: 'alice.example', state: 'running', processed: 42, rate: 2, failures: 0, memoryBytes: 1, maxMemoryBytes: 2, avgProcessNs: 3, avgTimerNs: 4 }] });
    const asBob = (await (await listPlugins(request('/api/plugins', { user: bob }))).json()).plugins;
    expect(asBob).toEqual([expect.objectContaining({ id: 'alice.example', owner: 'alice', canManage: false, stats: expect.objectContaining({ processed: 42 }) })]);
    const asAlice = (await (await listPlugins(request('/api/plugins', { user: alice }))).json()).plugins;
    expect(asAlice[0].canManage).toBe(true);
  });

  it("tells anyone else the plugin is not owned by them", async () => {
    const engine = recordingEngine();
    for (const [handler, method] of [[stop, 'POST'], [restart, 'POST'], [DELETE, 'DELETE']] as const) {
      const res = await handler(request('/api/plugins/alice/example', { method, user: bob }), params(example));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "Plugin 'alice.example' is not owned by you" });
    }
    expect(engine.calls).toEqual([]);
  });

  it('lets the owner and admins stop and restart', async () => {
    const engine = recordingEngine();
    const stopped = await stop(request('/api/plugins/alice/example/stop', { method: 'POST', user: alice }), params(example));
    expect(await stopped.json()).toEqual({ id: 'alice.example', state: 'stopped' });
    const restarted = await restart(request('/api/plugins/alice/example/restart', { method: 'POST', user: admin }), params(example));
    expect(restarted.status).toBe(200);
    expect(engine.calls.map((c) => [c.method, c.args[0]])).toEqual([
      ['stopPlugin', 'alice.example'],
      ['restartPlugin', 'alice.example'],
    ]);
  });

  it('answers 404 for unknown plugins and malformed names', async () => {
    recordingEngine();
    const unknown = await stop(request('/api/plugins/alice/nope/stop', { method: 'POST', user: alice }), params({ owner: 'alice', name: 'nope' }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Plugin 'alice.nope' does not exist" });
    const malformed = await getPlugin(request('/api/plugins/Alice/x.y', { user: alice }), params({ owner: 'Alice', name: 'x.y' }));
    expect(malformed.status).toBe(404);
  });

  it('answers 503 for actions while the engine is not running', async () => {
    const res = await stop(request('/api/plugins/alice/example/stop', { method: 'POST', user: alice }), params(example));
    expect(res.status).toBe(503);
  });

  it('deletes for the owner, in the engine and the database', async () => {
    const engine = recordingEngine();
    const res = await DELETE(request('/api/plugins/alice/example', { method: 'DELETE', user: alice }), params(example));
    expect(await res.json()).toEqual({ deleted: 'alice.example' });
    expect(engine.calls).toEqual([{ method: 'deletePlugin', args: ['alice.example'] }]);
    expect(await db().plugin.count({ where: { name: 'example' } })).toBe(0);
    expect(await db().pluginVersion.count()).toBe(0);
  });
});
