'use client';

import { useEffect, useState } from 'react';
import { callApi } from '@/lib/client-api';
import type { PluginRow } from '@/lib/plugins';
import { SourceLines } from './source-lines';

/** View Error: why the engine terminated the plugin, and the code around the line it names. */
export function PluginError({ plugin }: { plugin: PluginRow }) {
  const [source, setSource] = useState<string | null>(null);
  const line = plugin.errorLine;
  useEffect(() => {
    if (!line) return;
    let live = true;
    void callApi<{ source: string }>(`/api/plugins/${plugin.owner}/${plugin.name}`).then((result) => {
      if (live && result.ok) setSource(result.data.source);
    });
    return () => {
      live = false;
    };
  }, [plugin.owner, plugin.name, line]);

  return (
    <div className="space-y-3">
      <pre className="font-mono text-[13px] whitespace-pre-wrap text-red-800" data-testid="plugin-error">
        {plugin.error}
      </pre>
      {line && source !== null ? (
        <div>
          <p className="mb-1 text-xs text-slate-500">
            {plugin.name}.js, line {line}
          </p>
          <SourceLines source={source} mark={line} around={3} testId="plugin-error-source" />
        </div>
      ) : null}
    </div>
  );
}
