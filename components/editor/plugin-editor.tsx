'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { FlaskConical, Filter, History, Rocket } from 'lucide-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FieldError, Input, Label } from '@/components/ui/input';
import { Spinner } from '@/components/ui/spinner';
import { callApi } from '@/lib/client-api';
import type { DraftView } from '@/lib/drafts';
import type { MatcherErrorView, MatcherRun, PluginTestReport } from '@/lib/engine';
import { cn } from '@/lib/utils';
import { DEFAULT_PLUGIN_CONFIG, pluginNameProblem, type PluginConfig } from '@/lib/validations/plugin';
import { STARTER_MATCHER, STARTER_NAME, STARTER_SOURCE } from '@/config/plugin-template';
import type { FailingLine } from './code-editor';
import { ConfigEditor } from './config-editor';
import { MatcherInput } from './matcher-input';
import { MatcherResults } from './matcher-results';
import { firstOutputHint } from './first-output-hint';
import { TestReport } from './test-report';
import { TestProgress } from './test-progress';

const CodeEditor = dynamic(() => import('./code-editor').then((m) => m.CodeEditor), {
  ssr: false,
  loading: () => (
    <div className="flex h-full items-center justify-center gap-2 text-sm text-slate-500">
      <Spinner /> Loading the editor…
    </div>
  ),
});

const PAGE_SIZE = 25;
type Busy = 'matcher' | 'test' | 'deploy' | null;

export interface EditingPlugin {
  id: string;
  version: number;
  name: string;
  matcher: string;
  source: string;
  config: PluginConfig;
}

/** What a passing test covered; Deploy is enabled only while the text is exactly this. */
function definitionKey(name: string, matcher: string, source: string, config: PluginConfig): string {
  return JSON.stringify([name.trim(), matcher.trim(), source, config]);
}

function issuesByPath(issues: { path: string; message: string }[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const issue of issues) map[issue.path] ??= issue.message;
  return map;
}

/** The user's deployed plugin of the draft's name, for the way back from a restored draft. */
export interface DeployedVersion {
  id: string;
  version: number;
}

/** The Deploy page: name, matcher, code and config, with Run Matcher, Test Plugin and Deploy Plugin. */
export function PluginEditor({
  namespace,
  initialDraft,
  editing,
  deployedVersion = null,
}: {
  namespace: string;
  initialDraft: DraftView;
  editing: EditingPlugin | null;
  deployedVersion?: DeployedVersion | null;
}) {
  const start = editing ?? initialDraft;
  const [name, setName] = useState(start.name);
  const [matcher, setMatcher] = useState(start.matcher);
  const [source, setSource] = useState(start.source);
  const [config, setConfig] = useState<PluginConfig>(start.config);
  // The code and config editors keep their own text: a new key remounts them with new contents.
  const [contentsKey, setContentsKey] = useState(0);
  const [restored, setRestored] = useState(!editing && initialDraft.updatedAt !== null);
  const [reportKey, setReportKey] = useState<string | null>(null);
  const [testStartedAt, setTestStartedAt] = useState<number | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [panel, setPanel] = useState<'matches' | 'test'>('matches');
  const [matcherRun, setMatcherRun] = useState<MatcherRun | null>(null);
  const [matcherError, setMatcherError] = useState<MatcherErrorView | null>(null);
  const [report, setReport] = useState<PluginTestReport | null>(null);
  const [tested, setTested] = useState<{ key: string; proof: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [deployed, setDeployed] = useState<{ id: string; version: number; updated: boolean; tickerInterval: number } | null>(null);
  const draftKey = JSON.stringify([name, matcher, source, config]);
  const [savedKey, setSavedKey] = useState<string | null>(editing ? null : draftKey);
  const [saving, setSaving] = useState(false);
  const [saveFailed, setSaveFailed] = useState(false);
  const [apiTypes, setApiTypes] = useState<string | null>(null);

  const currentKey = useMemo(() => definitionKey(name, matcher, source, config), [name, matcher, source, config]);
  // Said as it is typed, with the person's own namespace: a dotted name is the common slip.
  const nameProblem = name.trim() === '' ? undefined : pluginNameProblem(name, namespace);
  const canDeploy = tested !== null && tested.key === currentKey && busy === null;

  const failingLine: FailingLine | null = useMemo(() => {
    const t = report?.termination;
    if (!report || report.passed || !t?.line) return null;
    // Only while the text is the one that failed: after an edit the line may have moved.
    return { line: t.line, column: t.column, message: t.message };
  }, [report]);

  // The plugin API's type definitions, when the engine provides them.
  useEffect(() => {
    void fetch('/api/plugin-api')
      .then((res) => (res.ok ? res.text() : null))
      .then(setApiTypes)
      .catch(() => setApiTypes(null));
  }, []);

  // Save the draft shortly after each edit, so a reload loses nothing.
  useEffect(() => {
    if (savedKey === draftKey) return;
    const timer = setTimeout(async () => {
      setSaving(true);
      const result = await callApi('/api/draft', { method: 'PUT', body: { name, matcher, source, config } });
      setSaving(false);
      setSaveFailed(!result.ok);
      if (result.ok) setSavedKey(draftKey);
    }, 700);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draftKey, savedKey]);
  const draftStatus = saving
    ? 'Saving draft…'
    : savedKey === draftKey
      ? 'Draft saved'
      : saveFailed
        ? 'Draft not saved'
        : 'Editing…';

  const runMatcher = useCallback(
    async (offset = 0) => {
      setBusy('matcher');
      setPanel('matches');
      setProblem(null);
      setFieldErrors({});
      const result = await callApi<MatcherRun>('/api/matcher', { method: 'POST', body: { matcher, offset, limit: PAGE_SIZE } });
      setBusy(null);
      if (result.ok) {
        setMatcherRun(result.data);
        setMatcherError(null);
      } else if (result.status === 422 && result.body.matcherError) {
        setMatcherError(result.body.matcherError as MatcherErrorView);
        setMatcherRun(null);
      } else {
        setFieldErrors(issuesByPath(result.issues));
        setProblem(result.issues.length ? null : result.error);
      }
    },
    [matcher],
  );

  const testPlugin = async () => {
    setBusy('test');
    setPanel('test');
    setProblem(null);
    setFieldErrors({});
    setTestStartedAt(Date.now());
    const keyAtStart = currentKey;
    const result = await callApi<PluginTestReport & { deployProof: string | null }>('/api/plugins/test', {
      method: 'POST',
      body: { name, matcher, source, config },
    });
    setBusy(null);
    setTestStartedAt(null);
    if (!result.ok) {
      setReport(null);
      setTested(null);
      setFieldErrors(issuesByPath(result.issues));
      setProblem(result.issues.length ? 'Fix the highlighted fields, then test again.' : result.error);
      return;
    }
    setReport(result.data);
    setReportKey(keyAtStart);
    setMatcherError(result.data.matcherError ?? null);
    setTested(result.data.passed && result.data.deployProof ? { key: keyAtStart, proof: result.data.deployProof } : null);
  };

  const deployPlugin = async () => {
    if (!tested) return;
    setBusy('deploy');
    setProblem(null);
    const result = await callApi<{ id: string; version: number; updated: boolean }>('/api/plugins', {
      method: 'POST',
      body: { name, matcher, source, config, deployProof: tested.proof },
    });
    setBusy(null);
    if (result.ok) setDeployed({ ...result.data, tickerInterval: config.ticker_interval });
    else {
      setFieldErrors(issuesByPath(result.issues));
      setProblem(result.error);
    }
  };

  const startFromTemplate = () => {
    setName(STARTER_NAME);
    setMatcher(STARTER_MATCHER);
    setSource(STARTER_SOURCE);
    setConfig(DEFAULT_PLUGIN_CONFIG);
    setMatcherError(null);
    setContentsKey((k) => k + 1);
    setRestored(false);
  };

  const panelTabs = (
    <div role="tablist" aria-label="Results" className="flex gap-1">
      {(
        [
          ['matches', 'Matches'],
          ['test', 'Test report'],
        ] as const
      ).map(([id, label]) => (
        <button
          key={id}
          role="tab"
          type="button"
          aria-selected={panel === id}
          onClick={() => setPanel(id)}
          className={cn(
            'rounded-md px-2.5 py-1 text-[13px] font-medium',
            panel === id ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100',
          )}
        >
          {label}
        </button>
      ))}
    </div>
  );

  return (
    <div className="flex h-[calc(100vh-3.5rem)] min-h-[560px] flex-col">
      <div className="flex flex-wrap items-end gap-4 border-b border-slate-200 bg-white px-6 py-3">
        <div className="min-w-64">
          <Label htmlFor="plugin-name">Plugin name</Label>
          <div className="mt-1 flex items-center">
            <span className="flex h-9 items-center rounded-l-md border border-r-0 border-slate-300 bg-slate-50 px-2.5 font-mono text-[13px] text-slate-500">
              {namespace}.
            </span>
            <Input
              id="plugin-name"
              className="w-52 rounded-l-none font-mono text-[13px]"
              value={name}
              spellCheck={false}
              invalid={Boolean(nameProblem ?? fieldErrors.name)}
              aria-describedby={nameProblem ?? fieldErrors.name ? 'plugin-name-error' : undefined}
              onChange={(event) => {
                setName(event.target.value);
                // The server's word on the name was about the text it saw, not this one.
                setFieldErrors(({ name: _answered, ...rest }) => rest);
              }}
            />
          </div>
          <FieldError id="plugin-name-error">{nameProblem ?? fieldErrors.name}</FieldError>
        </div>
        <div className="flex items-center gap-3 pb-2 text-xs text-slate-500">
          {editing ? (
            <span className="rounded-full bg-sky-50 px-2 py-0.5 font-medium text-sky-800 ring-1 ring-sky-200 ring-inset" data-testid="editing-plugin">
              {/* Someone else's plugin opens as a copy: it can only be deployed under the viewer's own namespace. */}
              {editing.id.startsWith(`${namespace}.`)
                ? `Opened ${editing.id} v${editing.version}`
                : `Copy of ${editing.id} v${editing.version}: deploys as ${namespace}.${name.trim() || '…'}`}
            </span>
          ) : null}
          <span aria-live="polite" data-testid="draft-status">
            {draftStatus}
          </span>
        </div>
        <div className="ml-auto flex items-center gap-2 pb-0.5">
          <Button onClick={() => void runMatcher(0)} disabled={busy !== null}>
            {busy === 'matcher' ? <Spinner /> : <Filter className="h-4 w-4" />} Run Matcher
          </Button>
          <Button onClick={() => void testPlugin()} disabled={busy !== null}>
            {busy === 'test' ? <Spinner /> : <FlaskConical className="h-4 w-4" />} Test Plugin
          </Button>
          <Button
            variant="primary"
            onClick={() => void deployPlugin()}
            disabled={!canDeploy}
            title={canDeploy ? `Deploy as ${namespace}.${name.trim()}` : 'Test this exact text first: any edit after a passing test disables Deploy'}
          >
            {busy === 'deploy' ? <Spinner /> : <Rocket className="h-4 w-4" />} Deploy Plugin
          </Button>
        </div>
      </div>

      {restored && initialDraft.updatedAt ? (
        <DraftRestoredNotice
          savedAt={initialDraft.updatedAt}
          deployedVersion={deployedVersion}
          onStartOver={startFromTemplate}
          onDismiss={() => setRestored(false)}
        />
      ) : null}

      {problem ? (
        <div className="px-6 pt-3">
          <Alert tone="error">{problem}</Alert>
        </div>
      ) : null}

      <div className="grid min-h-0 flex-1 grid-cols-1 gap-4 px-6 py-4 lg:grid-cols-[minmax(0,1fr)_minmax(400px,42%)]">
        <div className="flex min-h-0 flex-col gap-4 overflow-y-auto pr-1">
          <section className="rounded-lg border border-slate-200 bg-white p-3">
            <Label htmlFor="matcher">Message matcher</Label>
            <div className="mt-1">
              <MatcherInput value={matcher} onChange={setMatcher} onRun={() => void runMatcher(0)} error={matcherError} fieldError={fieldErrors.matcher} />
            </div>
          </section>

          <section className="flex min-h-[360px] flex-1 flex-col overflow-hidden rounded-lg border border-slate-200 bg-white">
            <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2">
              <span className="text-[13px] font-medium text-slate-700">Plugin code (JavaScript)</span>
              <span className="text-xs text-slate-500">
                {apiTypes ? 'Plugin API completion on' : 'process_message() · timer_event(ns, shutdown)'}
              </span>
            </div>
            <div className="min-h-0 flex-1">
              <CodeEditor key={contentsKey} defaultValue={source} onChange={setSource} failingLine={failingLine} pluginApiTypes={apiTypes} height="100%" />
            </div>
            <FieldError>{fieldErrors.source}</FieldError>
          </section>

          <section className="rounded-lg border border-slate-200 bg-white p-3">
            <p className="mb-2 text-[13px] font-medium text-slate-700">Configuration</p>
            <ConfigEditor key={contentsKey} config={config} onChange={setConfig} errors={fieldErrors} />
          </section>
        </div>

        <section className="flex min-h-[320px] flex-col overflow-hidden rounded-lg border border-slate-200 bg-white" aria-label="Results">
          <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2">{panelTabs}</div>
          {panel === 'matches' ? (
            matcherRun ? (
              <MatcherResults run={matcherRun} pageSize={PAGE_SIZE} onPage={(offset) => void runMatcher(offset)} busy={busy !== null} />
            ) : (
              <PanelHint icon={Filter} title="Run the matcher" text="See which recent messages it selects, how many of them, and what they hold: headers, then Fields with their types." busy={busy === 'matcher'} />
            )
          ) : (
            <>
              {busy === 'test' && testStartedAt !== null ? <TestProgress startedAt={testStartedAt} hasEarlierReport={report !== null} /> : null}
              {report ? (
                <TestReport report={report} stale={busy === 'test' ? 'running' : reportKey !== currentKey ? 'edited' : null} />
              ) : busy === 'test' ? null : (
                <PanelHint icon={FlaskConical} title="Test the plugin" text="It runs over the matched messages, then timer_event(ns, true). A passing test enables Deploy for exactly this text." busy={false} />
              )}
            </>
          )}
        </section>
      </div>

      <Dialog
        open={deployed !== null}
        onClose={() => setDeployed(null)}
        title={deployed ? `${deployed.id} is live` : ''}
        description={deployed?.updated ? `Updated to version ${deployed.version}; its data carried on without a gap.` : 'Deployed as version 1.'}
        footer={
          <>
            <Link href="/plugins" className="inline-flex h-9 items-center rounded-md border border-slate-300 px-4 text-sm font-medium hover:bg-slate-50">
              See it in Plugins
            </Link>
            <Button variant="primary" onClick={() => setDeployed(null)}>
              OK
            </Button>
          </>
        }
      >
        <p className="text-sm text-slate-600">
          It now processes the live stream. {deployed ? firstOutputHint(deployed.tickerInterval, 'deployed') : null} Its outputs appear under <Link className="font-medium text-teal-700 hover:underline" href="/dashboards">Dashboards</Link> as{' '}
          <code className="font-mono text-[13px]">analysis.{deployed?.id}.&lt;name&gt;.&lt;type&gt;</code>.
        </p>
      </Dialog>
    </div>
  );
}

function PanelHint({ icon: Icon, title, text, busy }: { icon: React.ComponentType<{ className?: string }>; title: string; text: string; busy: boolean }) {
  return (
    <div className="flex flex-1 flex-col items-center justify-center px-8 py-12 text-center">
      {busy ? <Spinner className="h-6 w-6 text-slate-400" /> : <Icon className="h-6 w-6 text-slate-400" />}
      <p className="mt-2 text-sm font-medium text-slate-700">{busy ? 'Working…' : title}</p>
      <p className="mt-1 max-w-sm text-[13px] text-slate-500">{text}</p>
    </div>
  );
}

/** Says that the editor holds the draft left here last time (it may be broken), with a way back. */
function DraftRestoredNotice({
  savedAt,
  deployedVersion,
  onStartOver,
  onDismiss,
}: {
  savedAt: string;
  deployedVersion: DeployedVersion | null;
  onStartOver: () => void;
  onDismiss: () => void;
}) {
  // Formatted in the browser: the server does not know the reader's time zone.
  const [time, setTime] = useState<string | null>(null);
  useEffect(() => {
    const at = new Date(savedAt);
    const sameDay = at.toDateString() === new Date().toDateString();
    setTime(sameDay ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }));
  }, [savedAt]);
  return (
    <div className="px-6 pt-3">
      <div role="status" className="flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-[13px] text-sky-950">
        <History className="h-4 w-4 shrink-0 text-sky-700" aria-hidden />
        <span>
          Restored your draft from <time dateTime={savedAt}>{time ?? '…'}</time>: the name, matcher, code and configuration as you left them.
        </span>
        <span className="ml-auto flex items-center gap-2">
          {deployedVersion ? (
            <Link
              href={`/deploy?edit=${deployedVersion.id}`}
              className="inline-flex h-8 items-center rounded-md border border-sky-300 bg-white px-3 font-medium text-sky-900 hover:bg-sky-100"
            >
              Open the deployed version (v{deployedVersion.version})
            </Link>
          ) : (
            <Button size="sm" onClick={onStartOver}>
              Start from the template
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={onDismiss}>
            Keep the draft
          </Button>
        </span>
      </div>
    </div>
  );
}
