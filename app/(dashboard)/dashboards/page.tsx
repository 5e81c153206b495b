import type { Metadata } from 'next';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { OutputList } from '@/components/dashboards/output-list';
import { listOutputPage } from '@/lib/outputs';
import { requireUser } from '@/lib/session';
import { listPageQueryFrom } from '@/lib/validations/list-page';

export const metadata: Metadata = { title: 'Dashboards' };

export default async function DashboardsPage() {
  const user = await requireUser();
  const page = await listOutputPage(user, listPageQueryFrom({}));
  return (
    <DashboardShell>
      <DashboardHeader heading="Dashboards" text="What deployed plugins publish with inject_payload(), updated live. Yours come first." />
      <h2 className="mb-2 text-sm font-semibold text-slate-700">Raw Dashboard Output</h2>
      <OutputList initialPage={page} me={user.namespace} />
    </DashboardShell>
  );
}
