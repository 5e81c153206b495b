'use client';

import Link from 'next/link';
import { ChevronRight, FileText, LayoutDashboard } from 'lucide-react';
import { useState } from 'react';
import { EmptyPlaceholder } from '@/components/empty-placeholder';
import { Badge } from '@/components/ui/badge';
import type { OutputSummary } from '@/lib/engine';
import { useRealtime } from '@/lib/hooks/use-realtime';
import { formatBytes, formatTime } from '@/lib/utils';

/** Raw Dashboard Output: every output by its full name, kept current over socket.io. */
export function OutputList({ initialOutputs }: { initialOutputs: OutputSummary[] }) {
  const [outputs, setOutputs] = useState(initialOutputs);
  useRealtime<OutputSummary[]>('outputs', 'outputs:list', setOutputs);

  if (outputs.length === 0) {
    return (
      <EmptyPlaceholder
        icon={LayoutDashboard}
        title="No outputs yet"
        description="A deployed plugin's inject_payload() calls appear here as analysis.<user>.<plugin>.<name>.<type>, updated live."
        action={
          <Link href="/deploy" className="inline-flex h-9 items-center rounded-md bg-teal-700 px-4 text-sm font-medium text-white hover:bg-teal-800">
            Write a plugin
          </Link>
        }
      />
    );
  }
  return (
    <ul className="divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white" aria-label="Outputs">
      {outputs.map((output) => (
        <li key={output.name}>
          <Link href={`/dashboards/${encodeURIComponent(output.name)}`} className="flex items-center gap-3 px-4 py-3 hover:bg-slate-50 focus:bg-slate-50 focus:outline-none">
            <FileText className="h-4 w-4 shrink-0 text-slate-400" />
            <span className="min-w-0 flex-1">
              <span className="block truncate font-mono text-[13px] font-medium text-teal-800">{output.name}</span>
              <span className="text-xs text-slate-500">
                from {output.plugin} · {formatBytes(output.bytes)} · updated {formatTime(output.updatedAt)}
              </span>
            </span>
            {output.stale ? <Badge tone="amber">stale</Badge> : <Badge tone="green">live</Badge>}
            <ChevronRight className="h-4 w-4 text-slate-400" />
          </Link>
        </li>
      ))}
    </ul>
  );
}
