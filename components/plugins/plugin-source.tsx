'use client';

import { useEffect, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Spinner } from '@/components/ui/spinner';
import { callApi } from '@/lib/client-api';
import { formatTime } from '@/lib/utils';
import { SourceLines } from './source-lines';

export interface PluginSourceData {
  id: string;
  owner: string;
  name: string;
  source: string;
  matcher: string;
  config: unknown;
  version: number;
  shownVersion: number;
  versions: { version: number; createdAt: string }[];
}

/** View Source: the deployed text, and any earlier version picked from its history. */
export function PluginSource({ initial }: { initial: PluginSourceData }) {
  const [shown, setShown] = useState(initial);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setShown(initial), [initial]);

  const pick = async (version: number) => {
    setLoading(true);
    setError(null);
    const result = await callApi<PluginSourceData>(`/api/plugins/${initial.owner}/${initial.name}?version=${version}`);
    setLoading(false);
    if (result.ok) setShown(result.data);
    else setError(result.error);
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3 text-xs text-slate-600">
        <label className="flex items-center gap-2">
          <span>Version</span>
          <select
            className="h-8 rounded-md border border-slate-300 bg-white px-2 font-mono text-xs"
            value={shown.shownVersion}
            onChange={(event) => void pick(Number(event.target.value))}
            aria-label="Version"
          >
            {initial.versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
                {v.version === initial.version ? ' (deployed)' : ''} · {formatTime(v.createdAt)}
              </option>
            ))}
          </select>
        </label>
        {loading ? <Spinner className="h-3.5 w-3.5" /> : null}
        <span className="font-mono text-slate-500" title="Message matcher">
          {shown.matcher}
        </span>
        <span className="font-mono text-slate-500" title="Config">
          {configSummary(shown.config)}
        </span>
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <SourceLines source={shown.source} testId="plugin-source" />
    </div>
  );
}

function configSummary(config: unknown): string {
  if (!config || typeof config !== 'object') return '';
  const c = config as { ticker_interval?: number; preserve_data?: boolean; user?: Record<string, unknown> };
  const parts = [`ticker_interval ${c.ticker_interval ?? 0}s`, c.preserve_data ? 'preserve_data' : null];
  for (const [k, v] of Object.entries(c.user ?? {})) parts.push(`${k}=${JSON.stringify(v)}`);
  return parts.filter(Boolean).join(' · ');
}
