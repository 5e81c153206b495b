import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, databaseKindOf, readLocalSignin, readServerConfig } from './env';

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
