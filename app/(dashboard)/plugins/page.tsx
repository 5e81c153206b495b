import type { Metadata } from 'next';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { PluginTable } from '@/components/plugins/plugin-table';
import { getEngine } from '@/lib/engine';
import { listPluginPage } from '@/lib/plugin-list';
import { requireUser } from '@/lib/session';
import { listPageQueryFrom } from '@/lib/validations/list-page';

export const metadata: Metadata = { title: 'Plugins' };

export default async function PluginsPage() {
  const user = await requireUser();
  const page = await listPluginPage(user, listPageQueryFrom({}));
  return (
    <DashboardShell>
      <DashboardHeader heading="Plugins" text="Deployed analysis plugins, yours first, with live figures. Owners and admins may stop, restart and delete." />
      <PluginTable initialPage={page} me={user.namespace} engineRunning={getEngine() !== null} />
    </DashboardShell>
  );
}
