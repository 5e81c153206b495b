/**
 * For route-handler tests: a throwaway SQLite database with the real
 * migrations, signed-in users (real Session rows, real cookies) and a
 * recording engine double, so the handlers run exactly as in the server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { db } from '../db';
import { setEngine, type PluginStats, type PortalEngine } from '../engine';
import { applyMigrations } from '../migrate';
import type { CurrentUser } from '../session';

export interface TestUser extends CurrentUser {
  cookie: string;
}

export async function setUpTestDatabase(): Promise<{ dir: string; cleanUp: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'foresight-api-'));
  process.env.FORESIGHT_DATA_DIR = dir;
  process.env.DATABASE_URL = `file:${path.join(dir, 'test.db')}`;
  process.env.AUTH_SECRET = randomBytes(16).toString('hex');
  await applyMigrations(process.env.DATABASE_URL);
  return {
    dir,
    cleanUp: async () => {
      await db().$disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function signedInUser(email: string, options: { admin?: boolean } = {}): Promise<TestUser> {
  const namespace = email.split('@')[0].toLowerCase().replace(/[^a-z0-9]/g, '_');
  const user = await db().user.create({ data: { email, name: namespace, namespace } });
  const sessionToken = randomBytes(16).toString('hex');
  await db().session.create({ data: { sessionToken, userId: user.id, expires: new Date(Date.now() + 3_600_000) } });
  if (options.admin) {
    process.env.FORESIGHT_ADMIN_EMAILS = [process.env.FORESIGHT_ADMIN_EMAILS, email].filter(Boolean).join(',');
  }
  return {
    id: user.id,
    email,
    name: user.name,
    namespace,
    isAdmin: Boolean(options.admin),
    cookie: `authjs.session-token=${sessionToken}`,
  };
}

export function request(
  url: string,
  options: { method?: string; user?: TestUser; body?: unknown; rawBody?: string } = {},
): Request {
  const headers = new Headers();
  if (options.user) headers.set('cookie', options.user.cookie);
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers.set('content-type', 'application/json');
  return new Request(`http://localhost${url}`, { method: options.method ?? 'GET', headers, body });
}

export function params<P>(value: P): { params: Promise<P> } {
  return { params: Promise.resolve(value) };
}

export interface EngineCall {
  method: string;
  args: unknown[];
}

/** A PortalEngine that records calls and answers with what the test sets. */
export function recordingEngine(overrides: Partial<PortalEngine> = {}): PortalEngine & { calls: EngineCall[] } {
  const calls: EngineCall[] = [];
  const record =
    <A extends unknown[], R>(method: string, answer: (...args: A) => R) =>
    (...args: A): R => {
      calls.push({ method, args });
      return answer(...args);
    };
  const engine: PortalEngine & { calls: EngineCall[] } = {
    calls,
    runMatcher: record('runMatcher', async () => ({ ok: true as const, windowSize: 0, scanned: 0, matched: 0, offset: 0, messages: [], elapsedMs: 0 })),
    testPlugin: record('testPlugin', async () => ({
      passed: true,
      scanned: 0,
      matched: 0,
      processed: 0,
      failures: [],
      outputs: [],
      debug: [],
      injected: [],
      elapsedMs: 0,
    })),
    deployPlugin: record('deployPlugin', async () => undefined),
    stopPlugin: record('stopPlugin', async () => undefined),
    restartPlugin: record('restartPlugin', async () => undefined),
    deletePlugin: record('deletePlugin', async () => undefined),
    pluginStats: record('pluginStats', (): PluginStats[] => []),
    listOutputs: record('listOutputs', () => []),
    readOutput: record('readOutput', () => null),
    engineStatus: record('engineStatus', () => ({
      at: 0,
      stream: { firstOffset: 0, nextOffset: 0, bytes: 0, segments: 0, ingested: 0, rejected: 0, window: 0, windowCapacity: 0 },
      workers: [],
    })),
    ingest: record('ingest', async () => ({ ok: true as const, accepted: 0, rejected: 0, errors: [], errorsOmitted: 0 })),
    close: record('close', async () => undefined),
  };
  for (const [key, value] of Object.entries(overrides)) {
    (engine as unknown as Record<string, unknown>)[key] = record(key, value as (...args: unknown[]) => unknown);
  }
  setEngine(engine);
  return engine;
}

export function withoutEngine(): void {
  setEngine(null);
}
