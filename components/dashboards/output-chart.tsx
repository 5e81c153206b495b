'use client';

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BarChartSpec } from '@/lib/output-chart';
import { formatCount } from '@/lib/utils';

const COLORS = ['#0f766e', '#0369a1', '#b45309', '#7c3aed', '#be123c', '#4d7c0f'];
const AXIS = { fontSize: 11, fill: '#64748b' };

function formatTick(n: number): string {
  return Math.abs(n) >= 1000 ? formatCount(n) : String(Math.round(n * 100) / 100);
}

/** Bars for a table-like output: one group per label, one bar per numeric series. */
export function OutputBars({ chart, title }: { chart: BarChartSpec; title: string }) {
  const data = chart.labels.map((label, i) => {
    const row: Record<string, string | number> = { label };
    for (const s of chart.series) row[s.name] = s.values[i];
    return row;
  });
  const longLabels = chart.labels.some((l) => l.length > 12) || chart.labels.length > 12;
  return (
    <figure role="img" aria-label={`Bar chart of ${title}`} className="px-2 pt-4 pb-2">
      <ResponsiveContainer width="100%" height={longLabels ? 300 : 260}>
        <BarChart data={data} margin={{ top: 4, right: 16, bottom: longLabels ? 48 : 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis
            dataKey="label"
            tick={AXIS}
            interval={0}
            angle={longLabels ? -35 : 0}
            textAnchor={longLabels ? 'end' : 'middle'}
            label={chart.labelName && !longLabels ? { value: chart.labelName, position: 'insideBottom', offset: -2, ...AXIS } : undefined}
          />
          <YAxis tick={AXIS} tickFormatter={formatTick} width={56} />
          <Tooltip cursor={{ fill: '#f1f5f9' }} contentStyle={{ fontSize: 12 }} />
          {chart.series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
          {chart.series.map((s, i) => (
            <Bar key={s.name} dataKey={s.name} fill={COLORS[i % COLORS.length]} isAnimationActive={false} radius={[2, 2, 0, 0]} maxBarSize={72} />
          ))}
        </BarChart>
      </ResponsiveContainer>
      {chart.omitted > 0 ? <figcaption className="px-2 text-xs text-slate-500">First {chart.labels.length} rows shown; {chart.omitted} more in the raw output below.</figcaption> : null}
    </figure>
  );
}

/** A single-number output, as the values the page has seen since it opened. */
export function OutputValueHistory({ history, title }: { history: { at: number; value: number }[]; title: string }) {
  const data = history.map((h) => ({ time: new Date(h.at).toLocaleTimeString('en-GB'), value: h.value }));
  return (
    <figure role="img" aria-label={`Line chart of ${title}`} className="px-2 pt-4 pb-2">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="time" tick={AXIS} minTickGap={40} />
          <YAxis tick={AXIS} tickFormatter={formatTick} width={56} domain={['auto', 'auto']} />
          <Tooltip contentStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="value" stroke={COLORS[0]} strokeWidth={2} dot={history.length < 30} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="px-2 text-xs text-slate-500">
        {history.length < 2 ? 'The line grows as new values arrive while this page is open.' : `The last ${history.length} values since this page opened.`}
      </figcaption>
    </figure>
  );
}
