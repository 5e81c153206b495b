import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ChevronLeft } from 'lucide-react';
import { DashboardHeader, DashboardShell } from '@/components/dashboard-shell';
import { OutputView } from '@/components/dashboards/output-view';
import { readOutput } from '@/lib/outputs';
import { requireUser } from '@/lib/session';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

export default async function OutputPage({ params }: Props) {
  await requireUser();
  const name = decodeURIComponent((await params).name);
  const output = /^analysis\.[\w-]+\.[\w-]+\.[\w.-]+$/.test(name) ? await readOutput(name) : null;
  if (!output) notFound();
  return (
    <DashboardShell>
      <Link href="/dashboards" className="mb-3 inline-flex items-center gap-1 text-[13px] text-slate-500 hover:text-slate-900">
        <ChevronLeft className="h-4 w-4" /> Raw Dashboard Output
      </Link>
      <DashboardHeader heading={name} />
      <OutputView initialOutput={output} />
    </DashboardShell>
  );
}
