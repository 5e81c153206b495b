/**
 * The server's configuration, read from the environment with working defaults:
 * SQLite in ./data, port 3000, the local sign-in stand-in when Google is not
 * configured. Read at call time: server.ts fills in values (the stand-in's
 * issuer, a generated AUTH_SECRET) before the first request.
 */
import path from 'node:path';
import { z } from 'zod';
import type { LimitCaps } from './validations/plugin';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  databaseKind: DatabaseKind;
  /** Real Google sign-in when both are set; otherwise the local stand-in. */
  google: { clientId: string; clientSecret: string } | null;
  /** Lower-case e-mail domains allowed to sign in; empty means any. */
  allowedEmailDomains: string[];
  /** Lower-case e-mails of people who may manage everyone's plugins. */
  adminEmails: string[];
  /** Messages per second of the built-in sample stream (0 = off). */
  sampleRate: number;
  /** Analysis worker threads (undefined = the engine's default, min(2, cores)). */
  workers: number | undefined;
  /** Threads that parse large NDJSON ingest bodies (undefined = min(2, cores); 0 = parse on the server's thread). */
  ingestThreads: number | undefined;
  /** The most a plugin may ask for, per limit key, and the shortest ticker_interval (see readLimitCaps). */
  limitCaps: LimitCaps;
}

/**
 * The admin's caps on plugin limits: environment variable, the limit key it
 * caps, its default and the largest value the sandbox supports. The defaults
 * are the engine's DEFAULT_LIMIT_CAPS (lib/env.test.ts keeps them the same).
 */
export const LIMIT_CAP_SETTINGS = [
  { env: 'FORESIGHT_MAX_CPU_LIMIT_MS', key: 'cpu_limit_ms', fallback: 1000, min: 1, max: 600_000 },
  { env: 'FORESIGHT_MAX_MEMORY_LIMIT', key: 'memory_limit', fallback: 64 * 1024 * 1024, min: 256 * 1024, max: 1024 * 1024 * 1024 },
  { env: 'FORESIGHT_MAX_OUTPUT_LIMIT', key: 'output_limit', fallback: 256 * 1024, min: 1, max: 64 * 1024 * 1024 },
  { env: 'FORESIGHT_MAX_PROCESS_MESSAGE_INJECT_LIMIT', key: 'process_message_inject_limit', fallback: 10, min: 0, max: 1_000_000 },
  { env: 'FORESIGHT_MAX_TIMER_EVENT_INJECT_LIMIT', key: 'timer_event_inject_limit', fallback: 100, min: 0, max: 1_000_000 },
  { env: 'FORESIGHT_MIN_TICKER_INTERVAL', key: 'min_ticker_interval', fallback: 1, min: 0, max: 86_400 },
] as const satisfies readonly { env: string; key: keyof LimitCaps; fallback: number; min: number; max: number }[];

/**
 * The caps from the environment (unset or empty: the default). Read at call
 * time, so Test and Deploy check against what the server runs with; throws
 * ConfigError naming a bad variable.
 */
export function readLimitCaps(env: Record<string, string | undefined> = process.env): LimitCaps {
  const caps = {} as LimitCaps;
  const problems: string[] = [];
  for (const s of LIMIT_CAP_SETTINGS) {
    const text = env[s.env]?.trim();
    if (!text) {
      caps[s.key] = s.fallback;
      continue;
    }
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < s.min || n > s.max) {
      problems.push(`${s.env}: must be a whole number from ${s.min} to ${s.max} (got "${text}")`);
      continue;
    }
    caps[s.key] = n;
  }
  if (problems.length) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return caps;
}

const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  FORESIGHT_DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z.string().min(1).optional(),
  AUTH_GOOGLE_ID: z.string().optional(),
  AUTH_GOOGLE_SECRET: z.string().optional(),
  FORESIGHT_ALLOWED_EMAIL_DOMAINS: z.string().optional(),
  FORESIGHT_ADMIN_EMAILS: z.string().optional(),
  FORESIGHT_SAMPLE_RATE: z.coerce.number().min(0).max(1_000_000).default(100),
  FORESIGHT_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  FORESIGHT_INGEST_THREADS: z.coerce.number().int().min(0).max(64).optional(),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function databaseKindOf(url: string): DatabaseKind {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^file:/i.test(url)) return 'sqlite';
  throw new ConfigError(
    `DATABASE_URL must start with postgresql://, postgres:// or file: (got "${url.split(':')[0]}:...")`,
  );
}

export function readServerConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  // An empty variable (PORT=) means "use the default", as if unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const dataDir = path.resolve(values.FORESIGHT_DATA_DIR);
  const databaseUrl = values.DATABASE_URL || `file:${path.join(dataDir, 'foresight.db')}`;
  const googleId = values.AUTH_GOOGLE_ID?.trim();
  const googleSecret = values.AUTH_GOOGLE_SECRET?.trim();
  if (Boolean(googleId) !== Boolean(googleSecret)) {
    throw new ConfigError('Set both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET, or neither (local sign-in)');
  }
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir,
    databaseUrl,
    databaseKind: databaseKindOf(databaseUrl),
    google: googleId && googleSecret ? { clientId: googleId, clientSecret: googleSecret } : null,
    allowedEmailDomains: listOf(values.FORESIGHT_ALLOWED_EMAIL_DOMAINS).map((d) => d.replace(/^@/, '')),
    adminEmails: listOf(values.FORESIGHT_ADMIN_EMAILS),
    sampleRate: values.FORESIGHT_SAMPLE_RATE,
    workers: values.FORESIGHT_WORKERS,
    ingestThreads: values.FORESIGHT_INGEST_THREADS,
    limitCaps: readLimitCaps(env),
  };
}

/** Where the local stand-in publishes itself for the auth config (set by server.ts). */
export const LOCAL_SIGNIN_ENV = {
  issuer: 'FORESIGHT_LOCAL_SIGNIN_ISSUER',
  clientId: 'FORESIGHT_LOCAL_SIGNIN_CLIENT_ID',
  clientSecret: 'FORESIGHT_LOCAL_SIGNIN_CLIENT_SECRET',
} as const;

export interface LocalSignin {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export function readLocalSignin(env: Record<string, string | undefined> = process.env): LocalSignin | null {
  const issuer = env[LOCAL_SIGNIN_ENV.issuer];
  const clientId = env[LOCAL_SIGNIN_ENV.clientId];
  const clientSecret = env[LOCAL_SIGNIN_ENV.clientSecret];
  return issuer && clientId && clientSecret ? { issuer, clientId, clientSecret } : null;
}
