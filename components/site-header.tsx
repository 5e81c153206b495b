import Link from 'next/link';
import { LogOut } from 'lucide-react';
import { mainNav } from '@/config/nav';
import { signOutAction } from '@/lib/auth-actions';
import type { CurrentUser } from '@/lib/session';
import { Badge } from './ui/badge';
import { Logo } from './logo';
import { MainNav } from './main-nav';

export function SiteHeader({ user }: { user: CurrentUser }) {
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-6 px-6">
        <Link href="/deploy" aria-label="Foresight home">
          <Logo />
        </Link>
        <MainNav items={mainNav} />
        <div className="ml-auto flex items-center gap-3">
          <div className="text-right leading-tight">
            <p className="text-[13px] font-medium text-slate-900" data-testid="current-user">
              {user.name ?? user.email}
            </p>
            <p className="text-xs text-slate-500">
              namespace <span className="font-mono text-slate-700">{user.namespace}</span>
            </p>
          </div>
          {user.isAdmin ? <Badge tone="blue">admin</Badge> : null}
          <form action={signOutAction}>
            <button
              type="submit"
              className="inline-flex h-8 items-center gap-1.5 rounded-md px-2.5 text-[13px] text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            >
              <LogOut className="h-4 w-4" />
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
