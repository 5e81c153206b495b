/**
 * Limits are the server's: Test Plugin and Deploy Plugin answer 400 naming
 * the limit key, the value asked for and the cap (FORESIGHT_MAX_*), whether
 * it is asked for as a config field or smuggled among the user's keys; less
 * than the cap reaches the engine as the plugin's own top-level key.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db';
import { recordingEngine, request, setUpTestDatabase, signedInUser, withoutEngine, type TestUser } from '@/lib/testing/api-harness';
import { POST as deploy } from './route';
import { POST as testPlugin } from './test/route';

let cleanUp: () => Promise<void>;
let alice: TestUser;

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice.limits@example.com');
});
afterAll(() => cleanUp());
beforeEach(() => withoutEngine());
afterEach(() => {
  delete process.env.FORESIGHT_MAX_CPU_LIMIT_MS;
  delete process.env.FORESIGHT_MIN_TICKER_INTERVAL;
});

const definition = {
  name: 'limited',
  matcher: "Type == 'telemetry'",
  source: 'function process_message() { return 0 } function timer_event() {}',
  config: { ticker_interval: 60, preserve_data: false, user: {} as Record<string, unknown> },
};

type Issue = { path: string; message: string };

async function post(handler: typeof testPlugin, url: string, body: unknown) {
  const res = await handler(request(url, { method: 'POST', user: alice, body }));
  return { status: res.status, body: (await res.json()) as { error: string; issues?: Issue[]; deployProof?: string } };
}

describe('limit keys on Test Plugin and Deploy Plugin', () => {
  it('Test: more than the cap is a 400 on config.cpu_limit_ms naming the value and the cap; nothing runs', async () => {
    const engine = recordingEngine();
    const r = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, cpu_limit_ms: 600_000 } });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      {
        path: 'config.cpu_limit_ms',
        message: 'cpu_limit_ms asks for 600000, more than this server allows (at most 1000 ms per call); a plugin may ask for less, never more',
      },
    ]);
    expect(r.body.error).toContain('config.cpu_limit_ms: cpu_limit_ms asks for 600000');
    expect(engine.calls).toEqual([]);
  });

  it("Test: the issue's request, the limit smuggled among the user's keys, is refused on that key", async () => {
    const engine = recordingEngine();
    for (const key of ['cpu_limit_ms', 'memory_limit', 'output_limit', 'process_message_inject_limit', 'timer_event_inject_limit', 'instruction_limit']) {
      const r = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, user: { [key]: 1 } } });
      expect(r.status, key).toBe(400);
      expect(r.body.issues, key).toEqual([{ path: `config.user.${key}`, message: expect.stringMatching(/^Reserved: /) }]);
    }
    expect(engine.calls).toEqual([]);
  });

  it('Test: less than the cap runs, with the limit passed as the plugin asked; wrong types are 400s', async () => {
    const engine = recordingEngine();
    const ok = await post(testPlugin, '/api/plugins/test', {
      ...definition,
      config: { ...definition.config, cpu_limit_ms: 200, memory_limit: 16 * 1024 * 1024, user: { threshold: 5 } },
    });
    expect(ok.status).toBe(200);
    expect(engine.calls[0].args[0]).toMatchObject({ config: { cpu_limit_ms: 200, memory_limit: 16 * 1024 * 1024, user: { threshold: 5 } } });

    for (const bad of ['200', 1.5, -1, true]) {
      const r = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, cpu_limit_ms: bad } });
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.issues?.map((i) => i.path)).toEqual(['config.cpu_limit_ms']);
    }
    const tiny = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, memory_limit: 1000 } });
    expect(tiny.body.issues).toEqual([{ path: 'config.memory_limit', message: 'At least 262144 bytes' }]);
  });

  it("the admin's caps count: FORESIGHT_MAX_CPU_LIMIT_MS and FORESIGHT_MIN_TICKER_INTERVAL", async () => {
    recordingEngine();
    process.env.FORESIGHT_MAX_CPU_LIMIT_MS = '100';
    process.env.FORESIGHT_MIN_TICKER_INTERVAL = '30';
    const r = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, ticker_interval: 5, cpu_limit_ms: 150 } });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'config.cpu_limit_ms', message: expect.stringContaining('asks for 150, more than this server allows (at most 100 ms per call)') },
        { path: 'config.ticker_interval', message: '5 s is shorter than this server allows (at least 30 s, or 0 for no timer events)' },
      ]),
    );
    const ok = await post(testPlugin, '/api/plugins/test', { ...definition, config: { ...definition.config, ticker_interval: 0, cpu_limit_ms: 100 } });
    expect(ok.status).toBe(200);
  });

  it('Deploy: more than the cap is a 400 naming the key, the value and the cap, before anything is stored', async () => {
    const engine = recordingEngine();
    const asked = { ...definition, config: { ...definition.config, cpu_limit_ms: 300 } };
    const tested = await post(testPlugin, '/api/plugins/test', asked);
    expect(tested.status).toBe(200);
    // The cap is lowered between the test and the deploy: the proof does not carry it through.
    process.env.FORESIGHT_MAX_CPU_LIMIT_MS = '250';
    const r = await post(deploy, '/api/plugins', { ...asked, deployProof: tested.body.deployProof });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      {
        path: 'config.cpu_limit_ms',
        message: 'cpu_limit_ms asks for 300, more than this server allows (at most 250 ms per call); a plugin may ask for less, never more',
      },
    ]);
    const smuggled = await post(deploy, '/api/plugins', { ...definition, config: { ...definition.config, user: { cpu_limit_ms: 600_000 } }, deployProof: 'x' });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.issues).toEqual([{ path: 'config.user.cpu_limit_ms', message: 'Reserved: cpu_limit_ms is a limit the server sets, not one of your keys' }]);
    expect(engine.calls.filter((c) => c.method === 'deployPlugin')).toEqual([]);
    expect(await db().plugin.count()).toBe(0);

    // Within the cap it deploys, the limit stored with the plugin's config.
    delete process.env.FORESIGHT_MAX_CPU_LIMIT_MS;
    const ok = await post(deploy, '/api/plugins', { ...asked, deployProof: tested.body.deployProof });
    expect(ok.status).toBe(201);
    expect(engine.calls.find((c) => c.method === 'deployPlugin')!.args[0]).toMatchObject({ config: { cpu_limit_ms: 300 } });
    expect((await db().plugin.findFirstOrThrow({ where: { name: 'limited' } })).config).toMatchObject({ cpu_limit_ms: 300 });
  });
});
