'use client';

import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import type { OutputContent } from '@/lib/engine';
import { useRealtime } from '@/lib/hooks/use-realtime';
import { chartOf } from '@/lib/output-chart';
import { formatBytes, formatTime } from '@/lib/utils';
import { OutputBars, OutputValueHistory } from './output-chart';

/** Values of a single-number output kept for its line. */
const HISTORY_KEPT = 300;

type Reading = { at: number; value: number };

/** The output with the chart its content suits (or null), worked out once per update. */
function viewOf(output: OutputContent) {
  return { output, chart: chartOf(output.content, typeOf(output.name)) };
}

function readingOf({ output, chart }: ReturnType<typeof viewOf>): Reading | null {
  return chart?.kind === 'value' ? { at: Date.parse(output.updatedAt), value: chart.value } : null;
}

/** `analysis.<user>.<plugin>.<name>.<type>` → `<type>` */
function typeOf(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * One output, replaced in place whenever the plugin publishes again: a chart
 * when its content suits one (lib/output-chart.ts says which), then the raw text.
 */
export function OutputView({ initialOutput }: { initialOutput: OutputContent }) {
  const [{ output, chart }, setView] = useState(() => viewOf(initialOutput));
  const [history, setHistory] = useState<Reading[]>(() => {
    const first = readingOf(viewOf(initialOutput));
    return first ? [first] : [];
  });
  useRealtime<OutputContent>(`output:${initialOutput.name}`, 'output:content', (next) => {
    if (next.name !== initialOutput.name) return;
    const view = viewOf(next);
    setView(view);
    const reading = readingOf(view);
    if (reading) setHistory((h) => (h.at(-1)?.at === reading.at ? h : [...h, reading].slice(-HISTORY_KEPT)));
  });

  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
      <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-2.5 text-xs text-slate-500">
        {output.stale ? (
          <Badge tone="amber" title="The plugin is stopped or gone; this content no longer changes">
            stale
          </Badge>
        ) : (
          <Badge tone="green">live</Badge>
        )}
        <span>from {output.plugin}</span>
        <span>{formatBytes(output.bytes)}</span>
        <span className="ml-auto" data-testid="output-updated">
          updated {formatTime(output.updatedAt)}
        </span>
      </div>
      {chart ? (
        <div className="border-b border-slate-200">
          {chart.kind === 'bars' ? <OutputBars chart={chart} title={output.name} /> : <OutputValueHistory history={history} title={output.name} />}
        </div>
      ) : null}
      <pre className="max-h-[calc(100vh-16rem)] overflow-auto p-4 font-mono text-[13px] leading-5 whitespace-pre-wrap text-slate-800" data-testid="output-content" data-updated-at={output.updatedAt}>
        {output.content || <span className="text-slate-400">(empty)</span>}
      </pre>
    </div>
  );
}
