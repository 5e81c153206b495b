/**
 * Personal API tokens for the HTTP ingest API. The token is shown once at
 * creation; only its SHA-256 is stored, with a short prefix to tell tokens
 * apart in the list.
 */
import { createHash, randomBytes } from 'node:crypto';
import { db } from './db';

export const TOKEN_PREFIX = 'fst_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type TokenRow = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

export function tokenView(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export async function createToken(userId: string, name: string): Promise<{ token: string; view: TokenView }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db().apiToken.create({
    data: { userId, name, hash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) },
  });
  return { token, view: tokenView(row) };
}

export async function listTokens(userId: string): Promise<TokenView[]> {
  const rows = await db().apiToken.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
  return rows.map(tokenView);
}

/** Revokes the user's token; false when the user has no such token. */
export async function revokeToken(userId: string, id: string): Promise<TokenView | null> {
  const row = await db().apiToken.findFirst({ where: { id, userId } });
  if (!row) return null;
  if (row.revokedAt) return tokenView(row);
  return tokenView(await db().apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
}

/** The owner of a live token (for /api/ingest), recording its use; null for unknown or revoked tokens. */
export async function userForToken(token: string): Promise<{ id: string; namespace: string } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db().apiToken.findUnique({ where: { hash: hashToken(token) }, include: { user: true } });
  if (!row || row.revokedAt) return null;
  await db().apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return { id: row.user.id, namespace: row.user.namespace };
}
