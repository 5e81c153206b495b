'use client';

import { CircleAlert, CircleCheck } from 'lucide-react';
import type { PluginTestReport } from '@/lib/engine';
import { formatCount } from '@/lib/utils';
import { MessageTree } from './message-tree';

function Section({ title, count, children }: { title: string; count?: number; children: React.ReactNode }) {
  return (
    <section className="border-b border-slate-100 px-3 py-3 last:border-b-0">
      <h3 className="mb-2 flex items-center gap-2 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
        {title}
        {count !== undefined ? <span className="rounded-full bg-slate-100 px-1.5 text-[11px] font-medium text-slate-600">{count}</span> : null}
      </h3>
      {children}
    </section>
  );
}

/** Test Plugin's answer when the matcher did not compile: nothing ran, so there are no counts or outputs to show. */
function NotRun({ position, message }: { position: number; message: string }) {
  return (
    <div className="min-h-0 flex-1 overflow-auto" data-testid="test-report">
      <div className="bg-red-50 px-3 py-2.5 text-sm text-red-900">
        <h3 className="flex items-center gap-2 font-semibold">
          <CircleAlert className="h-4 w-4 text-red-600" aria-hidden /> The test did not run: the matcher has an error
        </h3>
        <p className="mt-1 font-mono text-[13px] break-words">
          Position {position}: {message}
        </p>
        <p className="mt-1.5 text-xs text-slate-600">No message was read and the plugin was not started. Fix the matcher (marked under it), then test again.</p>
      </div>
    </div>
  );
}

/** Why a shown report no longer describes the text: a new test is running, or the text was edited since. */
export type ReportStaleness = 'running' | 'edited' | null;

/** Test Plugin's answer: verdict, counts, each output rendered, debug output, injected messages, failures. */
export function TestReport({ report, stale = null }: { report: PluginTestReport; stale?: ReportStaleness }) {
  const body = report.matcherError ? <NotRun position={report.matcherError.position} message={report.matcherError.message} /> : <RanReport report={report} />;
  if (!stale) return body;
  return (
    <div className="flex min-h-0 flex-1 flex-col" aria-busy={stale === 'running' || undefined} data-stale={stale}>
      {stale === 'edited' ? (
        <p role="status" className="border-b border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-900">
          Out of date: the text changed since this test. Test again to see what it does now.
        </p>
      ) : null}
      <div className={stale === 'running' ? 'flex min-h-0 flex-1 flex-col opacity-45 grayscale transition-opacity' : 'flex min-h-0 flex-1 flex-col'}>{body}</div>
    </div>
  );
}

function RanReport({ report }: { report: PluginTestReport }) {
  const termination = report.termination;
  return (
    <div className="min-h-0 flex-1 overflow-auto" data-testid="test-report">
      <div className={report.passed ? 'bg-emerald-50 px-3 py-2.5' : 'bg-red-50 px-3 py-2.5'}>
        {report.passed ? (
          <p className="flex items-center gap-2 text-sm font-semibold text-emerald-900">
            <CircleCheck className="h-4 w-4 text-emerald-600" aria-hidden /> Test passed — this text can be deployed
          </p>
        ) : (
          <div className="text-sm text-red-900">
            <p className="flex items-center gap-2 font-semibold">
              <CircleAlert className="h-4 w-4 text-red-600" aria-hidden />
              The plugin was terminated
            </p>
            <p className="mt-1 font-mono text-[13px] break-words">
              {termination ? `${termination.line ? `line ${termination.line}: ` : ''}${termination.message}` : 'See the details below.'}
            </p>
          </div>
        )}
        <p className="mt-1.5 text-xs text-slate-600">
          {formatCount(report.scanned)} scanned · {formatCount(report.matched)} matched · {formatCount(report.processed)} processed ·{' '}
          {formatCount(report.failures.reduce((n, f) => n + f.count, 0))} failed · {report.elapsedMs.toFixed(0)} ms
        </p>
      </div>

      <Section title="Outputs" count={report.outputs.length}>
        {report.outputs.length === 0 ? (
          <p className="text-[13px] text-slate-500">No output. Call inject_payload() in timer_event() to publish one.</p>
        ) : (
          <div className="space-y-3">
            {report.outputs.map((output) => (
              <div key={output.name}>
                <p className="mb-1 font-mono text-xs text-slate-600">{output.name}</p>
                <pre className="max-h-64 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-2.5 font-mono text-xs whitespace-pre-wrap text-slate-800">
                  {output.content || <span className="text-slate-500">(empty)</span>}
                </pre>
              </div>
            ))}
          </div>
        )}
      </Section>

      {report.failures.length > 0 ? (
        <Section title="Failures" count={report.failures.reduce((n, f) => n + f.count, 0)}>
          <ul className="space-y-1 font-mono text-xs text-red-800">
            {report.failures.map((failure) => (
              <li key={failure.message}>
                {failure.count}× {failure.message}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <Section title="Debug output" count={report.debug.length}>
        {report.debug.length === 0 ? (
          <p className="text-[13px] text-slate-500">Nothing printed.</p>
        ) : (
          <pre className="max-h-48 overflow-auto rounded-md bg-slate-900 p-2.5 font-mono text-xs whitespace-pre-wrap text-slate-100">{report.debug.join('\n')}</pre>
        )}
      </Section>

      <Section title="Injected messages" count={report.injected.length}>
        {report.injected.length === 0 ? (
          <p className="text-[13px] text-slate-500">None.</p>
        ) : (
          <ul className="rounded-md border border-slate-200">
            {report.injected.map((message, i) => (
              <MessageTree key={i} message={message} index={i} />
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
