'use client';

import { useEffect, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { callApi } from '@/lib/client-api';
import type { EngineStatus } from '@/lib/engine';
import { engineRates, type EngineRates } from '@/lib/engine-rates';
import { formatBytes, formatCount } from '@/lib/utils';

const POLL_MS = 2000;

/**
 * The engine at a glance, for admins: the stream (stored messages, size on
 * disk, ingest rate, the in-memory window) and each analysis worker (its
 * plugins, the share of a core it used and how busy it was), read every two
 * seconds from GET /api/engine.
 */
export function EngineStatusPanel() {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [rates, setRates] = useState<EngineRates | null>(null);
  const [error, setError] = useState<string | null>(null);
  const previous = useRef<EngineStatus | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const result = await callApi<EngineStatus>('/api/engine', { signal: controller.signal });
        if (result.ok) {
          setRates(engineRates(previous.current, result.data));
          setStatus(result.data);
          setError(null);
          previous.current = result.data;
        } else {
          setError(result.error);
          previous.current = undefined;
        }
      } catch {
        return; // aborted: the panel is gone
      }
      timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, []);

  if (error) return <Alert tone="error">{error}</Alert>;
  if (!status) return <p className="text-[13px] text-slate-500">Reading the engine…</p>;
  const s = status.stream;
  const stored = s.nextOffset - s.firstOffset;
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-[13px] sm:grid-cols-4" aria-label="Stream">
        <Figure
          label="Messages stored"
          value={formatCount(stored)}
          detail={stored > 0 ? `offsets ${formatCount(s.firstOffset)}–${formatCount(s.nextOffset - 1)}` : 'none yet'}
        />
        <Figure label="On disk" value={formatBytes(s.bytes)} detail={`${s.segments} segment${s.segments === 1 ? '' : 's'}`} />
        <Figure
          label="Ingest rate"
          value={rates?.ingestPerSecond === undefined ? '—' : `${formatCount(Math.round(rates.ingestPerSecond))} msg/s`}
          detail={`${formatCount(s.ingested)} since start, ${formatCount(s.rejected)} refused`}
        />
        <Figure label="In memory" value={formatCount(s.window)} detail={`of ${formatCount(s.windowCapacity)} recent messages`} />
      </dl>
      <table className="w-full text-left text-[13px]" aria-label="Analysis workers">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Analysis worker</th>
            <th className="px-3 py-2 text-right font-medium">Plugins</th>
            <th className="px-3 py-2 text-right font-medium">CPU</th>
            <th className="px-3 py-2 text-right font-medium">Busy</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {status.workers.map((w) => {
            const r = rates?.workers.find((x) => x.index === w.index);
            return (
              <tr key={w.index}>
                <td className="px-3 py-2 text-slate-900">#{w.index + 1}</td>
                <td className="px-3 py-2 text-right tabular-nums">{formatCount(w.plugins)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{percent(r?.cpuPercent)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{percent(r?.busyPercent)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="text-xs text-slate-500">
        CPU is the share of one core each worker used over the last two seconds; busy is the time its event loop spent working, which also
        counts time other programs held the core.
      </p>
    </div>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-base font-semibold tabular-nums text-slate-900">{value}</dd>
      <dd className="text-xs text-slate-500">{detail}</dd>
    </div>
  );
}

function percent(p: number | undefined): string {
  if (p === undefined) return '—';
  return p < 1 && p > 0 ? '<1%' : `${Math.round(p)}%`;
}
