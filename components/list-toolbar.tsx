'use client';

import { ChevronLeft, ChevronRight, Search } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import type { ListPageQuery } from '@/lib/validations/list-page';
import { formatCount } from '@/lib/utils';

/** Search-as-you-type waits this long after the last key before asking the server. */
const SEARCH_DELAY_MS = 250;

/**
 * Above a paged list: search, "only mine", where the page is and the way to
 * the next and previous pages. `noun` names the rows ("plugins", "outputs").
 */
export function ListToolbar({
  noun,
  query,
  total,
  shown,
  onChange,
}: {
  noun: string;
  query: ListPageQuery;
  total: number;
  shown: number;
  onChange: (patch: Partial<ListPageQuery>) => void;
}) {
  const [text, setText] = useState(query.q);
  useEffect(() => {
    if (text === query.q) return;
    const t = setTimeout(() => onChange({ q: text, offset: 0 }), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, query.q, onChange]);

  const first = total === 0 ? 0 : query.offset + 1;
  const last = query.offset + shown;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <div className="relative w-72 max-w-full">
        <Search className="pointer-events-none absolute top-2.5 left-2.5 h-4 w-4 text-slate-400" aria-hidden />
        <Input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={`Search ${noun} by name`} aria-label={`Search ${noun}`} className="pl-8" />
      </div>
      <label className="inline-flex items-center gap-2 text-[13px] text-slate-700">
        <input
          type="checkbox"
          className="h-4 w-4 rounded border-slate-300 accent-teal-700"
          checked={query.scope === 'mine'}
          onChange={(e) => onChange({ scope: e.target.checked ? 'mine' : 'all', offset: 0 })}
        />
        Only mine
      </label>
      <div className="ml-auto flex items-center gap-2">
        <span className="text-[13px] text-slate-500 tabular-nums" data-testid="list-position" aria-live="polite">
          {total === 0 ? `No ${noun}` : `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}`}
        </span>
        <Button size="icon" variant="ghost" aria-label="Previous page" disabled={query.offset === 0} onClick={() => onChange({ offset: Math.max(0, query.offset - query.limit) })}>
          <ChevronLeft className="h-4 w-4" />
        </Button>
        <Button size="icon" variant="ghost" aria-label="Next page" disabled={last >= total} onClick={() => onChange({ offset: query.offset + query.limit })}>
          <ChevronRight className="h-4 w-4" />
        </Button>
      </div>
    </div>
  );
}
