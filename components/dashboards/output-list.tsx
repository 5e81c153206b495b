'use client';

import Link from 'next/link';
import { FIRST_OUTPUT_HINT, FirstRunHint } from '@/components/first-run-hint';
import { ChevronRight, FileText, LayoutDashboard, SearchX } from 'lucide-react';
import { memo, useCallback, useMemo } from 'react';
import { EmptyPlaceholder } from '@/components/empty-placeholder';
import { ListToolbar } from '@/components/list-toolbar';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import type { OutputSummary } from '@/lib/engine';
import { useListPage } from '@/lib/hooks/use-list-page';
import { useWatchedRows } from '@/lib/hooks/use-realtime';
import type { ListPage } from '@/lib/list-page';
import { applyRowDelta, type RowDelta } from '@/lib/live-deltas';
import { formatBytes, formatTime } from '@/lib/utils';

const nameOf = (o: OutputSummary) => o.name;

/**
 * Raw Dashboard Output: a page of outputs by full name (own first), with
 * search and paging. Only the rows on the page are kept current over
 * socket.io, and a row re-renders only when its own output changes.
 */
export function OutputList({ initialPage, me }: { initialPage: ListPage<OutputSummary>; me: string }) {
  const { page, setPage, query, change, error } = useListPage({ list: 'outputs', endpoint: '/api/outputs', field: 'outputs', initial: initialPage, keyOf: nameOf, me });
  const keys = useMemo(() => page.items.map(nameOf), [page.items]);
  const onDelta = useCallback(
    (delta: RowDelta<OutputSummary>) => setPage((p) => {
      const items = applyRowDelta(p.items, delta, nameOf);
      return items === p.items ? p : { ...p, items };
    }),
    [setPage],
  );
  useWatchedRows<OutputSummary>('outputs', keys, onDelta);

  if (page.total === 0 && query.q === '' && query.scope === 'all') {
    return (
      <EmptyPlaceholder
        icon={LayoutDashboard}
        title="No outputs yet"
        description="Start with the tutorial on the Deploy page: what a deployed plugin publishes with inject_payload() appears here as analysis.<user>.<plugin>.<name>.<type>, updated live."
        action={
          <Link href="/deploy" className="inline-flex h-9 items-center rounded-md bg-teal-700 px-4 text-sm font-medium text-white hover:bg-teal-800">
            Start on Deploy
          </Link>
        }
      />
    );
  }
  return (
    <div className="space-y-3">
      {/* Own outputs come first: none on the first unfiltered page means none at all. */}
      {page.offset === 0 && query.q === '' && !page.items.some((o) => o.plugin.startsWith(`${me}.`)) ? <FirstRunHint text={FIRST_OUTPUT_HINT} /> : null}
      <ListToolbar noun="outputs" query={query} total={page.total} shown={page.items.length} onChange={change} />
      {error ? <Alert tone="error">{error}</Alert> : null}
      {page.items.length === 0 ? (
        <EmptyPlaceholder icon={SearchX} title="No outputs match" description="No output name contains that text. Clear the search or show everyone's outputs." />
      ) : (
        <ul className="divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white" aria-label="Outputs">
          {page.items.map((output) => (
            <OutputRow key={output.name} output={output} mine={output.plugin.startsWith(`${me}.`)} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** One output; memoised, so a delta for another row leaves it alone. */
const OutputRow = memo(function OutputRow({ output, mine }: { output: OutputSummary; mine: boolean }) {
  return (
    <li data-output={output.name} data-updated-at={output.updatedAt} data-stale={output.stale || undefined}>
      {/* No prefetch: a page of 50 links must not fetch 50 output pages. */}
      <Link prefetch={false} href={`/dashboards/${encodeURIComponent(output.name)}`} className="flex items-center gap-3 px-4 py-3 hover:bg-slate-50 focus:bg-slate-50 focus:outline-none">
        <FileText className="h-4 w-4 shrink-0 text-slate-400" />
        <span className="min-w-0 flex-1">
          <span className="block truncate font-mono text-[13px] font-medium text-teal-800">{output.name}</span>
          <span className="text-xs text-slate-500">
            from {output.plugin}
            {mine ? ' (yours)' : ''} · {formatBytes(output.bytes)} · updated {formatTime(output.updatedAt)}
          </span>
        </span>
        {output.stale ? <Badge tone="amber">stale</Badge> : <Badge tone="green">live</Badge>}
        <ChevronRight className="h-4 w-4 text-slate-400" />
      </Link>
    </li>
  );
});
