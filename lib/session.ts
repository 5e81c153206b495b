/**
 * Who is asking. next-auth keeps database sessions: the cookie holds the
 * session token, so pages, route handlers and socket.io connections all
 * resolve the user the same way, by looking the token up.
 */
import { readServerConfig } from './env';
import { db } from './db';

export interface CurrentUser {
  id: string;
  email: string;
  name: string | null;
  /** Plugins publish as `<namespace>.<plugin>`. */
  namespace: string;
  isAdmin: boolean;
}

/** next-auth v5's cookie names (the __Secure- one is used over https). */
export const SESSION_COOKIE_NAMES = ['__Secure-authjs.session-token', 'authjs.session-token'] as const;

export function isAdminEmail(email: string): boolean {
  return readServerConfig().adminEmails.includes(email.toLowerCase());
}

export async function userFromSessionToken(token: string | undefined | null): Promise<CurrentUser | null> {
  if (!token) return null;
  const session = await db().session.findUnique({ where: { sessionToken: token }, include: { user: true } });
  if (!session || session.expires.getTime() <= Date.now()) return null;
  const { user } = session;
  return { id: user.id, email: user.email, name: user.name, namespace: user.namespace, isAdmin: isAdminEmail(user.email) };
}

export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

export function sessionTokenFromCookieHeader(header: string | null | undefined): string | null {
  const cookies = parseCookies(header);
  for (const name of SESSION_COOKIE_NAMES) {
    const value = cookies.get(name);
    if (value) return value;
  }
  return null;
}

export function userFromRequest(req: Request): Promise<CurrentUser | null> {
  return userFromSessionToken(sessionTokenFromCookieHeader(req.headers.get('cookie')));
}

/** For server components: the signed-in user, or null. */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const { cookies } = await import('next/headers');
  const store = await cookies();
  for (const name of SESSION_COOKIE_NAMES) {
    const value = store.get(name)?.value;
    if (value) return userFromSessionToken(value);
  }
  return null;
}

/** For pages behind sign-in: the user, or a redirect to /login. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) {
    const { redirect } = await import('next/navigation');
    redirect('/login');
  }
  return user as CurrentUser;
}
