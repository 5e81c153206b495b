'use client';

import { ChevronLeft, ChevronRight, Filter, TimerOff } from 'lucide-react';
import type { MatcherRun } from '@/lib/engine';
import { formatCount } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { MessageTree } from './message-tree';

/** Run Matcher's answer: how much was scanned, how many matched, and one page of matches; a run cut short says so first. */
export function MatcherResults({ run, pageSize, onPage, busy }: { run: MatcherRun; pageSize: number; onPage: (offset: number) => void; busy: boolean }) {
  const first = run.matched === 0 ? 0 : run.offset + 1;
  const last = run.offset + run.messages.length;
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-slate-200 px-3 py-2 text-[13px]" data-testid="matcher-summary">
        <span>
          <strong className="font-semibold">{formatCount(run.matched)}</strong> of {formatCount(run.scanned)} recent messages matched
          {run.cutShort ? <span className="text-amber-700"> (scanned {formatCount(run.scanned)} of {formatCount(run.windowSize)})</span> : null}
        </span>
        <span className="text-slate-500">{run.elapsedMs.toFixed(0)} ms</span>
        {run.matched > 0 ? (
          <div className="ml-auto flex items-center gap-1">
            <span className="mr-1 text-xs text-slate-500">
              {formatCount(first)}–{formatCount(last)}
            </span>
            <Button size="icon" variant="ghost" aria-label="Previous matches" disabled={busy || run.offset === 0} onClick={() => onPage(Math.max(0, run.offset - pageSize))}>
              <ChevronLeft className="h-4 w-4" />
            </Button>
            <Button size="icon" variant="ghost" aria-label="Next matches" disabled={busy || last >= run.matched} onClick={() => onPage(run.offset + pageSize)}>
              <ChevronRight className="h-4 w-4" />
            </Button>
          </div>
        ) : null}
      </div>
      {run.cutShort ? (
        <div role="status" data-testid="matcher-cut-short" className="flex items-start gap-2 border-b border-amber-200 bg-amber-50 px-3 py-2 text-[13px] text-amber-900">
          <TimerOff className="mt-0.5 h-4 w-4 shrink-0" />
          <span>{run.cutShort.message}</span>
        </div>
      ) : null}
      {run.messages.length === 0 ? (
        <div className="flex flex-1 flex-col items-center justify-center px-6 py-12 text-center">
          <Filter className="h-6 w-6 text-slate-400" />
          <p className="mt-2 text-sm font-medium text-slate-700">No message matched</p>
          <p className="mt-1 max-w-xs text-[13px] text-slate-500">
            {run.scanned === 0 ? 'The stream has no recent messages yet.' : 'Loosen the matcher, or wait for more data to arrive.'}
          </p>
        </div>
      ) : (
        <ul className="min-h-0 flex-1 overflow-auto" aria-label="Matched messages">
          {run.messages.map((message, i) => (
            <MessageTree key={`${run.offset + i}-${message.uuid}`} message={message} index={run.offset + i} defaultOpen={i === 0 && run.offset === 0} />
          ))}
        </ul>
      )}
    </div>
  );
}
