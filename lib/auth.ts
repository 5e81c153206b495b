/**
 * next-auth with the real Google provider. Without Google credentials the
 * provider's issuer points at the local OpenID Connect stand-in that server.ts
 * starts on loopback; everything else (callbacks, adapter, sessions) is the
 * same either way.
 */
import NextAuth, { type NextAuthConfig } from 'next-auth';
import type { Adapter, AdapterUser } from 'next-auth/adapters';
import Google from 'next-auth/providers/google';
import { PrismaAdapter } from '@auth/prisma-adapter';
import { db, Prisma } from './db';
import { readLocalSignin, readServerConfig } from './env';
import { namespaceFromEmail, uniqueNamespace } from './namespace';

export function isEmailDomainAllowed(email: string, allowedDomains: string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return allowedDomains.includes(domain);
}

/** Creates users with a unique namespace derived from their e-mail. */
export async function createUserWithNamespace(user: AdapterUser): Promise<AdapterUser> {
  const prisma = db();
  const email = user.email.toLowerCase();
  const base = namespaceFromEmail(email);
  // Two sign-ins racing for the same namespace: the loser retries with the next suffix.
  for (let attempt = 0; attempt < 5; attempt++) {
    const namespace = await uniqueNamespace(base, async (candidate) =>
      Boolean(await prisma.user.findUnique({ where: { namespace: candidate }, select: { id: true } })),
    );
    try {
      const created = await prisma.user.create({
        data: { email, name: user.name ?? null, image: user.image ?? null, emailVerified: user.emailVerified, namespace },
      });
      return created as AdapterUser;
    } catch (err) {
      const namespaceTaken =
        err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002' && String(err.meta?.target ?? '').includes('namespace');
      if (!namespaceTaken) throw err;
    }
  }
  throw new Error(`Could not allocate a namespace for ${email}`);
}

function foresightAdapter(): Adapter {
  const base = PrismaAdapter(db() as unknown as Parameters<typeof PrismaAdapter>[0]);
  return { ...base, createUser: createUserWithNamespace };
}

export function authConfig(): NextAuthConfig {
  const config = readServerConfig();
  const local = config.google ? null : readLocalSignin();
  const google = config.google
    ? Google({ clientId: config.google.clientId, clientSecret: config.google.clientSecret })
    : Google({
        clientId: local?.clientId ?? 'foresight-local-signin-not-started',
        clientSecret: local?.clientSecret ?? 'unset',
        issuer: local?.issuer ?? 'http://127.0.0.1:9/not-started',
      });
  return {
    adapter: foresightAdapter(),
    providers: [google],
    session: { strategy: 'database' },
    trustHost: true,
    secret: process.env.AUTH_SECRET,
    pages: { signIn: '/login', error: '/login' },
    callbacks: {
      signIn({ user, profile }) {
        const email = (profile?.email ?? user.email ?? '').toLowerCase();
        if (!email) return '/login?error=NoEmail';
        if (profile && profile.email_verified === false) return '/login?error=EmailNotVerified';
        if (!isEmailDomainAllowed(email, readServerConfig().allowedEmailDomains)) return '/login?error=DomainNotAllowed';
        return true;
      },
    },
  };
}

export const { handlers, signIn, signOut, auth } = NextAuth(() => authConfig());
