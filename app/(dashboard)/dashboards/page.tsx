import type { Metadata } from 'next';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { OutputList } from '@/components/dashboards/output-list';
import { listOutputs } from '@/lib/outputs';
import { requireUser } from '@/lib/session';

export const metadata: Metadata = { title: 'Dashboards' };

export default async function DashboardsPage() {
  await requireUser();
  const outputs = await listOutputs();
  return (
    <DashboardShell>
      <DashboardHeader heading="Dashboards" text="What deployed plugins publish with inject_payload(), updated live." />
      <h2 className="mb-2 text-sm font-semibold text-slate-700">Raw Dashboard Output</h2>
      <OutputList initialOutputs={outputs} />
    </DashboardShell>
  );
}
