/**
 * Foresight's one process: Next.js pages and APIs, socket.io on /socket.io and
 * the engine, all on one http server. Start-up order: configuration, data
 * directory and auth secret, migrations, the local sign-in stand-in (only
 * without Google), the engine, then Next.
 *
 *   npm start        production (builds first when needed)
 *   npm run dev      development with hot reload
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import next from 'next';
import { ConfigError, LOCAL_SIGNIN_ENV, readServerConfig } from './lib/env';
import { applyMigrations } from './lib/migrate';
import { startLocalIdentityProvider, type LocalIdentityProvider } from './lib/local-identity-provider';
import { attachRealtime } from './lib/realtime';
import { setEngine } from './lib/engine';
import { bridgeEngineToBrowsers } from './lib/engine-bridge';
import { closeNdjsonParsePool, configureNdjsonParsePool, sharedNdjsonParsePool } from './engine/inputs/index';
import { syncPluginsWithEngine } from './lib/plugin-sync';
import { RuntimePortalEngine } from './lib/portal-engine';

const dev = process.argv.includes('--dev') || process.env.NODE_ENV === 'development';

function log(message: string): void {
  console.log(`[foresight] ${message}`);
}

/** AUTH_SECRET signs next-auth's cookies; without one, a random secret is kept in the data directory. */
async function ensureAuthSecret(dataDir: string): Promise<void> {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(dataDir, 'auth-secret');
  let secret = await readFile(file, 'utf8').then((s) => s.trim()).catch(() => '');
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
  }
  process.env.AUTH_SECRET = secret;
}

async function main(): Promise<void> {
  const config = readServerConfig();
  await mkdir(config.dataDir, { recursive: true });
  await ensureAuthSecret(config.dataDir);

  const migrations = await applyMigrations(config.databaseUrl);
  const where = config.databaseKind === 'sqlite' ? config.databaseUrl.replace(/^file:/, '') : 'PostgreSQL';
  log(`database: ${where} (${migrations.applied.length ? `applied ${migrations.applied.join(', ')}` : 'up to date'})`);
  for (const name of migrations.edited) log(`warning: migration ${name} was edited after it was applied`);

  let identityProvider: LocalIdentityProvider | null = null;
  if (config.google) {
    log('sign-in: Google');
  } else {
    const origins = new Set([`http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`]);
    if (process.env.AUTH_URL) origins.add(new URL(process.env.AUTH_URL).origin);
    identityProvider = await startLocalIdentityProvider({ appOrigins: [...origins] });
    process.env[LOCAL_SIGNIN_ENV.issuer] = identityProvider.issuer;
    process.env[LOCAL_SIGNIN_ENV.clientId] = identityProvider.clientId;
    process.env[LOCAL_SIGNIN_ENV.clientSecret] = identityProvider.clientSecret;
    log(`sign-in: local development stand-in at ${identityProvider.issuer} (set AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET for Google)`);
  }

  if (config.ingestThreads !== undefined) await configureNdjsonParsePool({ threads: config.ingestThreads });
  // Start the NDJSON parse workers now, so the first large POST /api/ingest does not wait for them.
  void sharedNdjsonParsePool().warmUp();
  const engine = await RuntimePortalEngine.start({
    dataDir: config.dataDir,
    sampleRate: config.sampleRate,
    workers: config.workers,
    limitCaps: config.limitCaps,
  });
  setEngine(engine);
  const offErrors = engine.engine.on((event) => {
    if (event.type === 'error') console.error(`[foresight] engine${event.id ? ` (${event.id})` : ''}: ${event.message}`);
  });
  const sync = await syncPluginsWithEngine(engine);
  for (const id of sync.redeployed) log(`plugin ${id}: deployed again from the database (the data directory did not have it; it starts at the live head)`);
  for (const f of sync.failed) log(`plugin ${f.id}: could not be deployed again from the database: ${f.error}`);
  for (const id of sync.stoppedOrphans) log(`plugin ${id}: stopped (the engine ran it, but the database has no such plugin)`);
  const sample = config.sampleRate > 0 ? `sample stream at ${config.sampleRate} messages/s` : 'sample stream off';
  log(`engine: running (${sample}, stream in ${config.dataDir})`);

  // No hostname: Next then builds request URLs from the Host header, so auth callbacks keep the origin people used.
  const app = next({ dev, dir: process.cwd(), port: config.port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[foresight] request failed:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    });
  });
  const io = attachRealtime(server);
  const unbridge = bridgeEngineToBrowsers(engine);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log(`ready on http://${shownHost}:${config.port} (${dev ? 'development' : 'production'}), data in ${config.dataDir}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    unbridge();
    offErrors();
    setEngine(null);
    await engine.close().catch((err: unknown) => console.error('[foresight] engine close failed:', err));
    await closeNdjsonParsePool().catch((err: unknown) => console.error('[foresight] closing the ingest parsers failed:', err));
    io.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await identityProvider?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`[foresight] ${err.message}`);
  else console.error('[foresight] failed to start:', err);
  process.exit(1);
});
