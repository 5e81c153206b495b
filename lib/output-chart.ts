/**
 * Whether a plugin output's text suits a chart, and which: the Dashboards tab
 * draws one beside the raw content when it does. Recognised shapes, as
 * plugins commonly write them:
 *
 * - a table, tab- or comma-separated (by the output's type or its lines): the
 *   first column labels the rows, every other all-numeric column is a series;
 *   a first row that is not numeric names the columns;
 * - `label = number` or `label: number` lines, optionally under one title line
 *   such as the tutorial's `docType = Count`;
 * - JSON: an object of numbers, an array of numbers, or an array of objects
 *   with one text field and numeric ones;
 * - a single number, drawn as its history while the page is open.
 *
 * Anything else (free text, mixed shapes) is left raw.
 */

export interface BarChartSpec {
  kind: 'bars';
  /** What the labels are (a header cell or the title line's left side), if known. */
  labelName?: string;
  labels: string[];
  series: { name: string; values: number[] }[];
  /** Rows left out to keep the chart readable. */
  omitted: number;
}

export interface ValueChartSpec {
  kind: 'value';
  value: number;
}

export type ChartSpec = BarChartSpec | ValueChartSpec;

/** Most bars drawn; the rest are counted in `omitted`. */
export const MAX_BARS = 40;
/** Outputs larger than this are not scanned for a chart. */
const MAX_CHART_INPUT = 256 * 1024;

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function toNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export function chartOf(content: string, type = ''): ChartSpec | null {
  if (!content.trim() || content.length > MAX_CHART_INPUT) return null;
  const single = toNumber(content);
  if (single !== null) return { kind: 'value', value: single };
  const t = type.toLowerCase();
  if (t === 'json' || /^\s*[[{]/.test(content)) {
    const fromJson = jsonChart(content);
    if (fromJson || t === 'json') return fromJson;
  }
  const lines = content.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return null;
  const delimiter = t === 'tsv' || lines.some((l) => l.includes('\t')) ? '\t' : t === 'csv' ? ',' : null;
  if (delimiter) return tableChart(lines.map((l) => l.split(delimiter)));
  return keyValueChart(lines);
}

function bars(labels: string[], series: { name: string; values: number[] }[], labelName?: string): BarChartSpec | null {
  if (labels.length === 0 || series.length === 0) return null;
  const omitted = Math.max(0, labels.length - MAX_BARS);
  return {
    kind: 'bars',
    ...(labelName ? { labelName } : {}),
    labels: labels.slice(0, MAX_BARS),
    series: series.map((s) => ({ name: s.name, values: s.values.slice(0, MAX_BARS) })),
    omitted,
  };
}

function tableChart(rows: string[][]): BarChartSpec | null {
  const width = rows[0].length;
  if (width < 2 || rows.some((r) => r.length !== width)) return null;
  const numericRow = (r: string[]) => r.slice(1).some((cell) => toNumber(cell) !== null);
  const header = numericRow(rows[0]) ? null : rows[0].map((c) => c.trim());
  const data = header ? rows.slice(1) : rows;
  if (data.length === 0) return null;
  const series: { name: string; values: number[] }[] = [];
  for (let col = 1; col < width; col++) {
    const values = data.map((r) => toNumber(r[col]));
    if (values.every((v): v is number => v !== null)) series.push({ name: header?.[col] || `column ${col + 1}`, values });
  }
  return bars(
    data.map((r) => r[0].trim()),
    series,
    header?.[0] || undefined,
  );
}

const KEY_VALUE = /^\s*(.+?)\s*(?:=|:)\s*(\S+)\s*$/;

function keyValueChart(lines: string[]): BarChartSpec | null {
  let title: { label: string; value: string } | undefined;
  const labels: string[] = [];
  const values: number[] = [];
  for (const [i, line] of lines.entries()) {
    const m = KEY_VALUE.exec(line);
    if (!m) return null;
    const n = toNumber(m[2]);
    if (n === null) {
      if (i !== 0) return null; // only a first line may be a title
      title = { label: m[1], value: m[2] };
      continue;
    }
    labels.push(m[1]);
    values.push(n);
  }
  return bars(labels, [{ name: title?.value ?? 'value', values }], title?.label);
}

function jsonChart(content: string): BarChartSpec | null {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch {
    return null;
  }
  if (Array.isArray(data)) {
    if (data.length > 0 && data.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return bars(
        data.map((_, i) => String(i)),
        [{ name: 'value', values: data as number[] }],
      );
    }
    if (data.length > 0 && data.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const objects = data as Record<string, unknown>[];
      const keys = Object.keys(objects[0]);
      const labelKey = keys.find((k) => objects.every((o) => typeof o[k] === 'string'));
      const numericKeys = keys.filter((k) => objects.every((o) => typeof o[k] === 'number' && Number.isFinite(o[k])));
      if (!labelKey) return null;
      return bars(
        objects.map((o) => o[labelKey] as string),
        numericKeys.map((k) => ({ name: k, values: objects.map((o) => o[k] as number) })),
        labelKey,
      );
    }
    return null;
  }
  if (data !== null && typeof data === 'object') {
    const entries = Object.entries(data);
    if (entries.length === 0 || !entries.every(([, v]) => typeof v === 'number' && Number.isFinite(v))) return null;
    return bars(
      entries.map(([k]) => k),
      [{ name: 'value', values: entries.map(([, v]) => v as number) }],
    );
  }
  return null;
}
