import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginCard } from '@/components/login-card';
import { readServerConfig } from '@/lib/env';
import { getCurrentUser } from '@/lib/session';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await getCurrentUser()) redirect('/deploy');
  const { error } = await searchParams;
  const config = readServerConfig();
  return <LoginCard localSignin={!config.google} allowedDomains={config.allowedEmailDomains} error={error} />;
}
