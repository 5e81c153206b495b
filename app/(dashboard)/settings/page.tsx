import type { Metadata } from 'next';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { EngineStatusPanel } from '@/components/settings/engine-status';
import { TokenManager } from '@/components/settings/token-manager';
import { Card, CardHeader } from '@/components/ui/card';
import { requireUser } from '@/lib/session';
import { listTokens } from '@/lib/tokens';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const user = await requireUser();
  const tokens = await listTokens(user.id);
  return (
    <DashboardShell>
      <DashboardHeader heading="Settings" text={`Signed in as ${user.email}. Your plugins publish as ${user.namespace}.<plugin>.`} />
      <Card className="max-w-5xl">
        <CardHeader title="API tokens" description="Programs send messages into the stream with a token. Each token is shown once when created and stored only as a hash." />
        <div className="p-4">
          <TokenManager initialTokens={tokens} />
        </div>
      </Card>
      {user.isAdmin ? (
        <Card className="mt-6 max-w-5xl">
          <CardHeader title="Engine" description="The live stream and the analysis workers, updated every two seconds. Shown to admins only." />
          <div className="p-4">
            <EngineStatusPanel />
          </div>
        </Card>
      ) : null}
    </DashboardShell>
  );
}
