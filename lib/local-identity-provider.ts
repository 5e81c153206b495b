/**
 * The local sign-in stand-in: an OpenID Connect provider (oidc-provider) on
 * 127.0.0.1 that plays Google's part when no Google credentials are set. Its
 * one page asks for an e-mail address and signs that address in; consent is
 * granted automatically. Loopback only, never started when Google is set.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import type { LocalSignin } from './env';

export interface LocalIdentityProvider extends LocalSignin {
  close(): Promise<void>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function signInPage(action: string, error?: string, email = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local development sign-in</title>
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f8fafc; color: #0f172a;
         font: 15px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
  main { width: 100%; max-width: 380px; background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; padding: 28px;
         box-shadow: 0 1px 2px rgb(0 0 0 / 0.04); }
  h1 { font-size: 18px; margin: 0 0 4px; }
  p { margin: 0 0 18px; color: #475569; font-size: 14px; }
  .badge { display: inline-block; font-size: 12px; font-weight: 600; color: #92400e; background: #fef3c7; border-radius: 999px;
           padding: 2px 10px; margin-bottom: 12px; }
  label { display: block; font-size: 13px; font-weight: 600; margin: 0 0 6px; }
  input { box-sizing: border-box; width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #cbd5e1; border-radius: 8px; margin-bottom: 14px; }
  input:focus { outline: 2px solid #0f766e; outline-offset: 1px; }
  button { width: 100%; font: inherit; font-weight: 600; padding: 9px; border: 0; border-radius: 8px; background: #0f766e; color: #fff; cursor: pointer; }
  .error { color: #b91c1c; background: #fef2f2; border-radius: 8px; padding: 8px 10px; font-size: 13px; }
  /* Dark when the system is, like the portal. */
  :root { color-scheme: light dark; }
  @media (prefers-color-scheme: dark) {
    body { background: #020617; color: #f1f5f9; }
    main { background: #0f172a; border-color: #334155; }
    p { color: #cbd5e1; }
    .badge { color: #fde68a; background: #451a03; }
    input { background: #020617; color: #f1f5f9; border-color: #475569; }
    input:focus { outline-color: #5eead4; }
    button { background: #5eead4; color: #042f2e; }
    .error { color: #fecaca; background: #450a0a; }
  }
</style></head>
<body><main>
  <span class="badge">Local development sign-in</span>
  <h1>Sign in to Foresight</h1>
  <p>Google sign-in is not configured on this server, so this stand-in on your machine signs in any e-mail address you enter. No password is checked.</p>
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="${escapeHtml(action)}">
    <label for="email">E-mail address</label>
    <input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(email)}" placeholder="you@example.com">
    <label for="name">Name (optional)</label>
    <input id="name" name="name" type="text" autocomplete="name">
    <button type="submit">Sign in</button>
  </form>
</main></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

/** Display names given on the form, by account id (the e-mail address). */
const names = new Map<string, string>();

export async function startLocalIdentityProvider(options: {
  /** The app's origins people may use (http://localhost:3000, http://127.0.0.1:3000). */
  appOrigins: string[];
  port?: number;
}): Promise<LocalIdentityProvider> {
  const clientId = 'foresight-local';
  const clientSecret = randomBytes(24).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'local', use: 'sig', alg: 'RS256' };

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.appOrigins.map((origin) => `${origin}/api/auth/callback/google`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: id, email_verified: true, name: names.get(id) ?? id.split('@')[0] };
        },
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const providerCallback = provider.callback();

  async function grantConsent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { prompt, grantId, session, params } = await provider.interactionDetails(req, res);
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error('grant not found');
    const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url ?? '');
    if (!match) return providerCallback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'consent') return grantConsent(req, res);
      const action = `/interaction/${match[1]}/login`;
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const email = (form.get('email') ?? '').trim().toLowerCase();
        if (!EMAIL.test(email)) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(signInPage(action, 'Enter an e-mail address such as you@example.com.', email));
        }
        const name = (form.get('name') ?? '').trim();
        if (name) names.set(email, name.slice(0, 100));
        return provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(signInPage(action));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`This sign-in attempt expired or is invalid (${err instanceof Error ? err.message : 'unknown error'}). Go back to Foresight and sign in again.`);
    }
  });

  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
