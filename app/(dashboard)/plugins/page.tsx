import type { Metadata } from 'next';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { PluginTable } from '@/components/plugins/plugin-table';
import { getEngine } from '@/lib/engine';
import { listPlugins } from '@/lib/plugins';
import { requireUser } from '@/lib/session';

export const metadata: Metadata = { title: 'Plugins' };

export default async function PluginsPage() {
  const user = await requireUser();
  const plugins = await listPlugins(user);
  return (
    <DashboardShell>
      <DashboardHeader heading="Plugins" text="Every deployed analysis plugin, with live figures. Owners and admins may stop, restart and delete." />
      <PluginTable initialPlugins={plugins} engineRunning={getEngine() !== null} />
    </DashboardShell>
  );
}
