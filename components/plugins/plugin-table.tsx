'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { CircleAlert, Copy, Ellipsis, FileCode, Pencil, Puzzle, RotateCw, SearchX, Square, Trash2 } from 'lucide-react';
import { memo, useCallback, useMemo, useState } from 'react';
import { EmptyPlaceholder } from '@/components/empty-placeholder';
import { ListToolbar } from '@/components/list-toolbar';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FIRST_PLUGIN_HINT, FirstRunHint } from '@/components/first-run-hint';
import { ContextMenu, type MenuItem } from '@/components/ui/menu';
import { callApi } from '@/lib/client-api';
import type { PluginStats } from '@/lib/engine';
import { useListPage } from '@/lib/hooks/use-list-page';
import { useWatchedRows } from '@/lib/hooks/use-realtime';
import type { ListPage } from '@/lib/list-page';
import type { RowDelta } from '@/lib/live-deltas';
import type { PluginRow } from '@/lib/plugins';
import { cn, formatBytes, formatCount, formatDuration, formatTime } from '@/lib/utils';
import { PluginError } from './plugin-error';
import { PluginLimits } from './plugin-limits';
import { PluginSource, type PluginSourceData } from './plugin-source';
import { PluginStateBadge } from './plugin-state-badge';

type Dialogs = { kind: 'source'; plugin: PluginSourceData } | { kind: 'error'; plugin: PluginRow } | { kind: 'delete'; plugin: PluginRow } | null;

const idOf = (row: PluginRow) => row.id;

/** A page's rows with the live figures of a delta merged in; rows without news stay the same objects. */
function withStats(rows: PluginRow[], delta: RowDelta<PluginStats>): PluginRow[] {
  if (delta.updated.length === 0) return rows;
  const byId = new Map(delta.updated.map((s) => [s.id, s]));
  let changed = false;
  const next = rows.map((row) => {
    const live = byId.get(row.id);
    if (!live) return row;
    changed = true;
    return { ...row, stats: live, state: live.state, error: live.error?.message ?? row.error, errorLine: live.error?.line ?? row.errorLine, errorAt: live.error?.at ?? row.errorAt };
  });
  return changed ? next : rows;
}

/**
 * Deployed plugins a page at a time (own first, searchable), with live stats
 * for the rows on the page only. Right-click a row, press the context-menu
 * key (or Shift+F10) on it, or use its ⋯ button for: View Source, View
 * Error, Stop, Restart, Edit, Delete.
 */
export function PluginTable({ initialPage, me, engineRunning }: { initialPage: ListPage<PluginRow>; me: string; engineRunning: boolean }) {
  const router = useRouter();
  const { page, setPage, query, change, reload, error } = useListPage({ list: 'plugins', endpoint: '/api/plugins', field: 'plugins', initial: initialPage, keyOf: idOf, me });
  const plugins = page.items;
  const [menu, setMenu] = useState<{ plugin: PluginRow; at: { x: number; y: number }; opener: HTMLElement | null } | null>(null);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const keys = useMemo(() => plugins.map(idOf), [plugins]);
  const onDelta = useCallback(
    (delta: RowDelta<PluginStats>) =>
      setPage((p) => {
        const items = withStats(p.items, delta);
        return items === p.items ? p : { ...p, items };
      }),
    [setPage],
  );
  useWatchedRows<PluginStats>('plugins', keys, onDelta);

  const closeMenu = useCallback(() => {
    setMenu((current) => {
      current?.opener?.focus();
      return null;
    });
  }, []);

  const act = async (plugin: PluginRow, action: 'stop' | 'restart' | 'delete') => {
    const [owner, name] = [plugin.owner, plugin.name];
    const result =
      action === 'delete'
        ? await callApi(`/api/plugins/${owner}/${name}`, { method: 'DELETE' })
        : await callApi(`/api/plugins/${owner}/${name}/${action}`, { method: 'POST' });
    if (!result.ok) return setNotice({ tone: 'error', text: result.error });
    const done = { stop: 'stopped', restart: 'restarted', delete: 'deleted' }[action];
    setNotice({ tone: 'success', text: `${plugin.id} ${done}.` });
    reload();
  };

  const viewSource = async (plugin: PluginRow) => {
    const result = await callApi<PluginSourceData>(`/api/plugins/${plugin.owner}/${plugin.name}`);
    if (result.ok) setDialog({ kind: 'source', plugin: result.data });
    else setNotice({ tone: 'error', text: result.error });
  };

  // What the viewer may do: the owner's actions disabled (with why) on someone else's plugin; Edit becomes a copy.
  const menuItems = (plugin: PluginRow): MenuItem[] => {
    const notYours = plugin.canManage ? undefined : `Only ${plugin.owner} (its owner) or an admin may do this`;
    return [
      { label: 'View Source', icon: FileCode, onSelect: () => void viewSource(plugin) },
      { label: 'View Error', icon: CircleAlert, onSelect: () => setDialog({ kind: 'error', plugin }), disabled: !plugin.error, hint: 'Only terminated plugins have an error' },
      { label: 'Stop', icon: Square, onSelect: () => void act(plugin, 'stop'), disabled: Boolean(notYours) || plugin.state === 'stopped', hint: notYours ?? 'It is already stopped' },
      { label: 'Restart', icon: RotateCw, onSelect: () => void act(plugin, 'restart'), disabled: Boolean(notYours), hint: notYours },
      plugin.owner === me
        ? { label: 'Edit', icon: Pencil, onSelect: () => router.push(`/deploy?edit=${encodeURIComponent(plugin.id)}`) }
        : { label: 'Copy to my plugins', icon: Copy, onSelect: () => router.push(`/deploy?edit=${encodeURIComponent(plugin.id)}`) },
      { label: 'Delete', icon: Trash2, onSelect: () => setDialog({ kind: 'delete', plugin }), danger: true, disabled: Boolean(notYours), hint: notYours },
    ];
  };

  const openMenuFor = useCallback((plugin: PluginRow, element: HTMLElement, point?: { x: number; y: number }) => {
    const rect = element.getBoundingClientRect();
    setMenu({ plugin, at: point ?? { x: rect.left + 24, y: rect.bottom - 4 }, opener: element });
  }, []);

  if (page.total === 0 && query.q === '' && query.scope === 'all') {
    return (
      <EmptyPlaceholder
        icon={Puzzle}
        title="No plugins deployed yet"
        description="Start with the tutorial on the Deploy page: run a matcher, test a plugin on recent messages and deploy it; it shows up here with its live figures."
        action={
          <Link href="/deploy" className="inline-flex h-9 items-center rounded-md bg-teal-700 px-4 text-sm font-medium text-white hover:bg-teal-800">
            Start on Deploy
          </Link>
        }
      />
    );
  }

  return (
    <div className="space-y-3">
      {/* Own plugins come first: none on the first unfiltered page means none at all. */}
      {page.offset === 0 && query.q === '' && !plugins.some((p) => p.owner === me) ? <FirstRunHint text={FIRST_PLUGIN_HINT} /> : null}
      {!engineRunning ? (
        <Alert tone="info" title="The engine is not running">
          States below are the last ones recorded; live figures appear once the engine is running.
        </Alert>
      ) : null}
      {notice ? (
        <Alert tone={notice.tone} action={<button className="text-xs underline" onClick={() => setNotice(null)}>Dismiss</button>}>
          {notice.text}
        </Alert>
      ) : null}
      <ListToolbar noun="plugins" query={query} total={page.total} shown={plugins.length} onChange={change} />
      {error ? <Alert tone="error">{error}</Alert> : null}
      {plugins.length === 0 ? (
        <EmptyPlaceholder icon={SearchX} title="No plugins match" description="No plugin id contains that text. Clear the search or show everyone's plugins." />
      ) : (
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-[13px]" aria-label="Plugins">
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">Plugin</th>
              <th className="px-3 py-2.5 font-medium">Owner</th>
              <th className="px-3 py-2.5 font-medium">State</th>
              <th className="px-3 py-2.5 text-right font-medium">Messages</th>
              <th className="px-3 py-2.5 text-right font-medium">Rate</th>
              <th className="px-3 py-2.5 text-right font-medium">Failures</th>
              <th className="px-3 py-2.5 text-right font-medium">Memory</th>
              <th className="px-3 py-2.5 text-right font-medium">Avg process</th>
              <th className="px-3 py-2.5 font-medium">Limits</th>
              <th className="px-3 py-2.5 font-medium">Updated</th>
              <th className="w-10 px-2 py-2.5">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {plugins.map((plugin) => (
              <PluginTableRow key={plugin.id} plugin={plugin} highlighted={menu?.plugin.id === plugin.id} onOpenMenu={openMenuFor} />
            ))}
          </tbody>
        </table>
      </div>
      )}
      <p className="text-xs text-slate-500">Right-click a plugin, or focus its row and press Shift+F10, for its actions.</p>

      <ContextMenu at={menu?.at ?? null} items={menu ? menuItems(menu.plugin) : []} label={menu ? `Actions for ${menu.plugin.id}` : ''} onClose={closeMenu} />

      <Dialog
        open={dialog?.kind === 'source'}
        onClose={() => setDialog(null)}
        title={dialog?.kind === 'source' ? `${dialog.plugin.id} · v${dialog.plugin.version}` : ''}
        className="w-[min(900px,calc(100vw-2rem))]"
      >
        {dialog?.kind === 'source' ? <PluginSource initial={dialog.plugin} /> : null}
      </Dialog>

      <Dialog
        open={dialog?.kind === 'error'}
        onClose={() => setDialog(null)}
        className="w-[min(760px,calc(100vw-2rem))]"
        title={dialog?.kind === 'error' ? `${dialog.plugin.id} was terminated` : ''} description={dialog?.kind === 'error' ? formatTime(dialog.plugin.errorAt) : undefined}>
        {dialog?.kind === 'error' ? <PluginError plugin={dialog.plugin} /> : null}
      </Dialog>

      <Dialog
        open={dialog?.kind === 'delete'}
        onClose={() => setDialog(null)}
        title={dialog?.kind === 'delete' ? `Delete ${dialog.plugin.id}?` : ''}
        footer={
          <>
            <Button onClick={() => setDialog(null)}>Cancel</Button>
            <Button
              variant="danger"
              onClick={() => {
                if (dialog?.kind === 'delete') void act(dialog.plugin, 'delete');
                setDialog(null);
              }}
            >
              Delete plugin
            </Button>
          </>
        }
      >
        <p className="text-sm text-slate-600">It stops at once and its definition and version history are removed. Its outputs stop updating.</p>
      </Dialog>
    </div>
  );
}

/** One plugin's row; memoised, so a delta for another row (or a menu elsewhere) leaves it alone. */
const PluginTableRow = memo(function PluginTableRow({
  plugin,
  highlighted,
  onOpenMenu,
}: {
  plugin: PluginRow;
  highlighted: boolean;
  onOpenMenu: (plugin: PluginRow, element: HTMLElement, point?: { x: number; y: number }) => void;
}) {
  const s = plugin.stats;
  return (
    <tr
      tabIndex={0}
      aria-label={`${plugin.id}, ${plugin.state}. Press Shift+F10 for actions`}
      data-plugin={plugin.id}
      onContextMenu={(event) => {
        event.preventDefault();
        onOpenMenu(plugin, event.currentTarget, { x: event.clientX, y: event.clientY });
      }}
      onKeyDown={(event) => {
        if (event.key === 'ContextMenu' || (event.shiftKey && event.key === 'F10')) {
          event.preventDefault();
          onOpenMenu(plugin, event.currentTarget);
        }
      }}
      className={cn(
        'border-b border-slate-100 last:border-b-0 hover:bg-slate-50 focus:bg-teal-50/50 focus:outline-none',
        highlighted && 'bg-teal-50/60',
      )}
    >
      <td className="px-4 py-2.5">
        <span className="font-mono font-medium text-slate-900">{plugin.id}</span>
        <span className="ml-2 text-xs text-slate-500">v{plugin.version}</span>
        <p className="mt-0.5 max-w-xs truncate font-mono text-xs text-slate-500" title={plugin.matcher}>
          {plugin.matcher}
        </p>
      </td>
      <td className="px-3 py-2.5 text-slate-700">{plugin.owner}</td>
      <td className="px-3 py-2.5">
        <PluginStateBadge state={plugin.state} />
      </td>
      <td className="px-3 py-2.5 text-right tabular-nums">{s ? formatCount(s.processed) : '—'}</td>
      <td className="px-3 py-2.5 text-right tabular-nums">{s ? `${formatCount(Math.round(s.rate))}/s` : '—'}</td>
      <td className={cn('px-3 py-2.5 text-right tabular-nums', s && s.failures > 0 && 'text-red-700')}>{s ? formatCount(s.failures) : '—'}</td>
      <td className="px-3 py-2.5 text-right tabular-nums">{s ? formatBytes(s.memoryBytes) : '—'}</td>
      <td className="px-3 py-2.5 text-right tabular-nums">{s ? formatDuration(s.avgProcessNs) : '—'}</td>
      <td className="px-3 py-2.5">
        <PluginLimits id={plugin.id} limits={plugin.limits ?? s?.limits} />
      </td>
      <td className="px-3 py-2.5 whitespace-nowrap text-slate-500">{formatTime(plugin.updatedAt)}</td>
      <td className="px-2 py-2.5">
        <Button
          size="icon"
          variant="ghost"
          aria-haspopup="menu"
          aria-label={`Actions for ${plugin.id}`}
          onClick={(event) => onOpenMenu(plugin, event.currentTarget)}
        >
          <Ellipsis className="h-4 w-4" />
        </Button>
      </td>
    </tr>
  );
});
