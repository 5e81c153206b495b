import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT_CAPS, LIMIT_KEYS } from '../engine/runtime/index';
import { ConfigError, databaseKindOf, LIMIT_CAP_SETTINGS, readLimitCaps, readLocalSignin, readServerConfig } from './env';
import { LIMIT_CONFIG_KEYS } from './validations/plugin';

describe('readServerConfig', () => {
  it('works with nothing set: SQLite in ./data, port 3000, local sign-in, anyone allowed', () => {
    const config = readServerConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: path.resolve('data'),
      databaseUrl: `file:${path.resolve('data', 'foresight.db')}`,
      databaseKind: 'sqlite',
      google: null,
      allowedEmailDomains: [],
      adminEmails: [],
    });
  });

  it('treats empty variables as unset', () => {
    expect(readServerConfig({ PORT: '', DATABASE_URL: ' ', AUTH_GOOGLE_ID: '' }).port).toBe(3000);
  });

  it('reads Google, PostgreSQL, domains and admins', () => {
    const config = readServerConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db:5432/foresight',
      AUTH_GOOGLE_ID: 'id',
      AUTH_GOOGLE_SECRET: 'secret',
      FORESIGHT_ALLOWED_EMAIL_DOMAINS: '@Mozilla.com, example.org',
      FORESIGHT_ADMIN_EMAILS: 'Ops@Mozilla.com',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseKind: 'postgres',
      google: { clientId: 'id', clientSecret: 'secret' },
      allowedEmailDomains: ['mozilla.com', 'example.org'],
      adminEmails: ['ops@mozilla.com'],
    });
    expect(readServerConfig({ FORESIGHT_INGEST_THREADS: '0', FORESIGHT_WORKERS: '3' })).toMatchObject({ ingestThreads: 0, workers: 3 });
  });

  it('names what is wrong', () => {
    expect(() => readServerConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => readServerConfig({ AUTH_GOOGLE_ID: 'id' })).toThrow(/both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET/);
    expect(() => readServerConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => readServerConfig({ FORESIGHT_INGEST_THREADS: '-1' })).toThrow(/FORESIGHT_INGEST_THREADS/);
    expect(() => readServerConfig({ FORESIGHT_INGEST_THREADS: 'two' })).toThrow(/FORESIGHT_INGEST_THREADS/);
    expect(() => databaseKindOf('mysql://x')).toThrow(/postgresql:\/\/, postgres:\/\/ or file:/);
  });

  it('finds the local stand-in only when all three values are set', () => {
    expect(readLocalSignin({})).toBeNull();
    expect(
      readLocalSignin({ FORESIGHT_LOCAL_SIGNIN_ISSUER: 'http://127.0.0.1:1', FORESIGHT_LOCAL_SIGNIN_CLIENT_ID: 'c', FORESIGHT_LOCAL_SIGNIN_CLIENT_SECRET: 's' }),
    ).toEqual({ issuer: 'http://127.0.0.1:1', clientId: 'c', clientSecret: 's' });
  });
});

describe('readLimitCaps', () => {
  it("defaults to the engine's own caps, and the portal's limit keys are the engine's", () => {
    expect(readLimitCaps({})).toEqual(DEFAULT_LIMIT_CAPS);
    expect(readServerConfig({}).limitCaps).toEqual(DEFAULT_LIMIT_CAPS);
    expect(Object.keys(LIMIT_CONFIG_KEYS).sort()).toEqual(Object.keys(LIMIT_KEYS).sort());
    for (const [key, rule] of Object.entries(LIMIT_KEYS)) {
      expect(LIMIT_CONFIG_KEYS[key as keyof typeof LIMIT_CONFIG_KEYS]).toMatchObject({ min: rule.min, unit: rule.unit });
    }
    expect(LIMIT_CAP_SETTINGS.map((s) => s.key).sort()).toEqual(Object.keys(DEFAULT_LIMIT_CAPS).sort());
  });

  it('takes each FORESIGHT_MAX_* (and FORESIGHT_MIN_TICKER_INTERVAL); empty means the default', () => {
    expect(
      readLimitCaps({
        FORESIGHT_MAX_CPU_LIMIT_MS: '250',
        FORESIGHT_MAX_MEMORY_LIMIT: '33554432',
        FORESIGHT_MAX_OUTPUT_LIMIT: ' 4096 ',
        FORESIGHT_MAX_PROCESS_MESSAGE_INJECT_LIMIT: '0',
        FORESIGHT_MAX_TIMER_EVENT_INJECT_LIMIT: '20',
        FORESIGHT_MIN_TICKER_INTERVAL: '',
      }),
    ).toEqual({
      cpu_limit_ms: 250,
      memory_limit: 33554432,
      output_limit: 4096,
      process_message_inject_limit: 0,
      timer_event_inject_limit: 20,
      min_ticker_interval: 1,
    });
  });

  it('refuses a bad value, naming the variable and the range', () => {
    expect(() => readLimitCaps({ FORESIGHT_MAX_CPU_LIMIT_MS: '0' })).toThrow(ConfigError);
    expect(() => readLimitCaps({ FORESIGHT_MAX_CPU_LIMIT_MS: '0' })).toThrow(/FORESIGHT_MAX_CPU_LIMIT_MS: must be a whole number from 1 to 600000 \(got "0"\)/);
    expect(() => readLimitCaps({ FORESIGHT_MAX_MEMORY_LIMIT: '64MiB' })).toThrow(/FORESIGHT_MAX_MEMORY_LIMIT/);
    expect(() => readLimitCaps({ FORESIGHT_MAX_OUTPUT_LIMIT: '1.5' })).toThrow(/FORESIGHT_MAX_OUTPUT_LIMIT/);
    expect(() => readServerConfig({ FORESIGHT_MIN_TICKER_INTERVAL: '-1' })).toThrow(/FORESIGHT_MIN_TICKER_INTERVAL/);
  });
});
