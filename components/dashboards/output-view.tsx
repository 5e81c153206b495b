'use client';

import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import type { OutputContent } from '@/lib/engine';
import { useRealtime } from '@/lib/hooks/use-realtime';
import { formatBytes, formatTime } from '@/lib/utils';

/** One output's raw content, replaced in place whenever the plugin publishes again. */
export function OutputView({ initialOutput }: { initialOutput: OutputContent }) {
  const [output, setOutput] = useState(initialOutput);
  useRealtime<OutputContent>(`output:${initialOutput.name}`, 'output:content', (next) => {
    if (next.name === initialOutput.name) setOutput(next);
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
      <pre className="max-h-[calc(100vh-16rem)] overflow-auto p-4 font-mono text-[13px] leading-5 whitespace-pre-wrap text-slate-800" data-testid="output-content" data-updated-at={output.updatedAt}>
        {output.content || <span className="text-slate-400">(empty)</span>}
      </pre>
    </div>
  );
}
