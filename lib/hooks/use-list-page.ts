'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { callApi } from '@/lib/client-api';
import { pageAffected, type ListPage } from '@/lib/list-page';
import type { ListChanges } from '@/lib/realtime';
import type { ListPageQuery } from '@/lib/validations/list-page';
import { useRealtime } from './use-realtime';

/** A page reloads its slice at most this often when rows come and go elsewhere. */
const RELOAD_MS = 1000;

/**
 * A paged list kept current: the page the server rendered, then other pages
 * and searches from `endpoint` (`?offset=&limit=&q=&scope=`), reloaded (at
 * most once a second) when a `<list>:changed` notice names rows this page's
 * query counts, or rows on it that were redefined, and once each time the
 * notices start (rows may have come and gone since the page was rendered).
 */
export function useListPage<T>(options: {
  list: 'plugins' | 'outputs';
  endpoint: string;
  /** The key of the answer's rows: `plugins`, `outputs`. */
  field: string;
  initial: ListPage<T>;
  keyOf: (row: T) => string;
  /** The signed-in user's namespace (own rows sort first). */
  me: string;
}) {
  const { list, endpoint, field, initial, keyOf, me } = options;
  const [page, setPage] = useState(initial);
  const [query, setQuery] = useState<ListPageQuery>({ offset: initial.offset, limit: initial.limit, q: '', scope: 'all' });
  const [error, setError] = useState<string | null>(null);
  const latest = useRef({ page, query });
  latest.current = { page, query };
  const loading = useRef<AbortController | null>(null);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(
    async (next: ListPageQuery) => {
      loading.current?.abort();
      const ac = new AbortController();
      loading.current = ac;
      const params = new URLSearchParams({ offset: String(next.offset), limit: String(next.limit) });
      if (next.q) params.set('q', next.q);
      if (next.scope !== 'all') params.set('scope', next.scope);
      try {
        const result = await callApi<Record<string, unknown> & { total: number; offset: number; limit: number }>(`${endpoint}?${params}`, { signal: ac.signal });
        if (ac.signal.aborted) return;
        if (!result.ok) return setError(result.error);
        setError(null);
        const items = result.data[field] as T[];
        // Past the end (rows went away): show the last page that has rows.
        if (items.length === 0 && next.offset > 0 && result.data.total > 0) {
          const offset = Math.max(0, Math.floor((result.data.total - 1) / next.limit) * next.limit);
          setQuery({ ...next, offset });
          return void load({ ...next, offset });
        }
        setPage({ items, total: result.data.total, offset: result.data.offset, limit: result.data.limit });
      } catch (err) {
        if (!(err instanceof DOMException && err.name === 'AbortError')) throw err;
      }
    },
    [endpoint, field],
  );

  const change = useCallback(
    (patch: Partial<ListPageQuery>) => {
      const next = { ...latest.current.query, ...patch };
      setQuery(next);
      void load(next);
    },
    [load],
  );

  const reload = useCallback(() => {
    if (reloadTimer.current) return;
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null;
      void load(latest.current.query);
    }, RELOAD_MS);
  }, [load]);

  useEffect(
    () => () => {
      loading.current?.abort();
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
    },
    [],
  );

  useRealtime<ListChanges>(list, `${list}:changed`, (changes) => {
    const { page: shown, query: q } = latest.current;
    const keys = shown.items.map(keyOf);
    const updatedShown = changes.updated.some((k) => keys.includes(k));
    if (updatedShown || pageAffected({ keys, query: q }, me, changes)) reload();
  }, reload);

  return { page, setPage, query, change, reload: () => void load(latest.current.query), error };
}
