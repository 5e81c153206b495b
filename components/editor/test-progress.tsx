'use client';

import { useEffect, useState } from 'react';
import { Spinner } from '@/components/ui/spinner';

/**
 * Test Plugin at work: an indeterminate bar and the seconds since it began.
 * The test route answers once, at the end, so there is no count of messages
 * processed to show yet; the elapsed time says it is alive.
 */
export function TestProgress({ startedAt, hasEarlierReport }: { startedAt: number; hasEarlierReport: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - startedAt) / 1000));
  return (
    <div className="border-b border-slate-200 px-3 py-2.5" data-testid="test-progress">
      <p className="flex items-center gap-2 text-[13px] font-medium text-slate-700">
        <Spinner className="h-3.5 w-3.5" />
        <span>Testing on the matched messages…</span>
        <span className="ml-auto font-mono text-xs text-slate-500 tabular-nums" aria-label={`${seconds} seconds so far`}>
          {seconds} s
        </span>
      </p>
      <div role="progressbar" aria-label="Test Plugin in progress" className="mt-2 h-1 overflow-hidden rounded-full bg-slate-200">
        <div className="test-progress-bar h-full w-1/3 rounded-full bg-teal-600" />
      </div>
      {hasEarlierReport ? <p className="mt-1.5 text-xs text-slate-500">The report below is from the previous test.</p> : null}
    </div>
  );
}
