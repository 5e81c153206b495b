import { TriangleAlert } from 'lucide-react';
import { signInWithGoogle } from '@/lib/auth-actions';
import { Logo } from './logo';
import { Alert } from './ui/alert';

const ERRORS: Record<string, string> = {
  DomainNotAllowed: 'That e-mail address is not from a domain allowed on this server.',
  EmailNotVerified: 'Google has not verified that e-mail address.',
  NoEmail: 'The sign-in did not provide an e-mail address.',
  AccessDenied: 'Sign-in was refused.',
  OAuthAccountNotLinked: 'That e-mail address is already linked to another sign-in.',
};

function GoogleMark() {
  return (
    <svg viewBox="0 0 24 24" className="h-4 w-4" aria-hidden>
      <path fill="#4285F4" d="M22.5 12.3c0-.8-.1-1.5-.2-2.3H12v4.3h5.9a5 5 0 0 1-2.2 3.3v2.8h3.5c2.1-1.9 3.3-4.8 3.3-8.1Z" />
      <path fill="#34A853" d="M12 23c3 0 5.5-1 7.3-2.7l-3.5-2.8c-1 .7-2.3 1.1-3.8 1.1-2.9 0-5.4-2-6.3-4.7H2.1v2.9A11 11 0 0 0 12 23Z" />
      <path fill="#FBBC05" d="M5.7 13.9a6.6 6.6 0 0 1 0-4.2V6.8H2.1a11 11 0 0 0 0 9.9l3.6-2.8Z" />
      <path fill="#EA4335" d="M12 5.4c1.6 0 3.1.6 4.2 1.7l3.2-3.2A11 11 0 0 0 2.1 6.8l3.6 2.9C6.6 7.3 9.1 5.4 12 5.4Z" />
    </svg>
  );
}

export function LoginCard({ localSignin, allowedDomains, error }: { localSignin: boolean; allowedDomains: string[]; error?: string }) {
  return (
    <div className="w-full max-w-sm">
      <div className="mb-6 flex justify-center">
        <Logo className="text-lg" />
      </div>
      <div className="rounded-xl border border-slate-200 bg-white p-7 shadow-sm">
        <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
        <p className="mt-1 text-sm text-slate-500">Write, test and deploy analysis plugins on the live message stream.</p>

        {error ? (
          <Alert tone="error" className="mt-4">
            {ERRORS[error] ?? 'Sign-in did not complete. Try again.'}
          </Alert>
        ) : null}

        {localSignin ? (
          <div className="mt-5 rounded-md border border-amber-200 bg-amber-50 px-3 py-2.5 text-[13px] text-amber-900" data-testid="local-signin-notice">
            <p className="flex items-center gap-1.5 font-semibold">
              <TriangleAlert className="h-4 w-4 text-amber-600" aria-hidden />
              Local development sign-in
            </p>
            <p className="mt-1">
              Google is not configured on this server, so sign-in goes through a stand-in on this machine that accepts any e-mail
              address without a password. Set <code className="font-mono">AUTH_GOOGLE_ID</code> and{' '}
              <code className="font-mono">AUTH_GOOGLE_SECRET</code> to use Google.
            </p>
          </div>
        ) : null}

        <form action={signInWithGoogle} className="mt-5">
          <button
            type="submit"
            className="inline-flex h-10 w-full items-center justify-center gap-2.5 rounded-md border border-slate-300 bg-white text-sm font-medium text-slate-800 shadow-xs hover:bg-slate-50"
          >
            <GoogleMark />
            {localSignin ? 'Continue with local sign-in' : 'Continue with Google'}
          </button>
        </form>

        {allowedDomains.length > 0 ? (
          <p className="mt-4 text-center text-xs text-slate-500">
            Open to {allowedDomains.map((d) => `@${d}`).join(', ')} addresses.
          </p>
        ) : null}
      </div>
    </div>
  );
}
