import { cn } from '@/lib/utils';

/**
 * Plugin code with line numbers; `mark` highlights one line (a termination's),
 * and `around` shows only that many lines either side of it.
 */
export function SourceLines({ source, mark, around, testId }: { source: string; mark?: number; around?: number; testId?: string }) {
  const lines = source.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const first = mark !== undefined && around !== undefined ? Math.max(1, mark - around) : 1;
  const last = mark !== undefined && around !== undefined ? Math.min(lines.length, mark + around) : lines.length;
  const width = String(last).length;
  return (
    <pre className="overflow-auto rounded-md bg-slate-900 py-3 font-mono text-xs leading-5 text-slate-100" data-testid={testId}>
      {lines.slice(first - 1, last).map((text, i) => {
        const n = first + i;
        const marked = n === mark;
        return (
          <div key={n} className={cn('flex px-4', marked && 'bg-red-900/70')} data-line={n} aria-current={marked ? 'true' : undefined}>
            <span className={cn('mr-4 shrink-0 text-right text-slate-500 select-none', marked && 'text-red-200')} style={{ width: `${width}ch` }}>
              {n}
            </span>
            <span className="whitespace-pre">{text || ' '}</span>
          </div>
        );
      })}
    </pre>
  );
}
