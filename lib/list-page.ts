/**
 * One page of a long list, the signed-in user's own rows first: the order
 * and the slice that the Plugins and Dashboards pages, their APIs and the
 * live pushes all agree on. Pure (no database, no engine), so the browser
 * uses the same order to tell whether a new row lands on the page it shows.
 */
import type { ListPageQuery } from './validations/list-page';

export interface ListPage<T> {
  items: T[];
  /** Rows matching the query, over all pages. */
  total: number;
  offset: number;
  limit: number;
}

/** `<owner>.<rest>` (a plugin id) or `analysis.<owner>.<rest>` (an output name) → owner. */
export function ownerOfKey(key: string): string {
  const rest = key.startsWith('analysis.') ? key.slice('analysis.'.length) : key;
  const dot = rest.indexOf('.');
  return dot < 0 ? rest : rest.slice(0, dot);
}

/** Own rows first, then by key (code-unit order, the same on server and browser). */
export function compareOwnFirst(me: string, a: string, b: string): number {
  const mineA = ownerOfKey(a) === me;
  const mineB = ownerOfKey(b) === me;
  if (mineA !== mineB) return mineA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Does `key` pass the query's search text and scope? */
export function keyMatches(query: Pick<ListPageQuery, 'q' | 'scope'>, me: string, key: string): boolean {
  if (query.scope === 'mine' && ownerOfKey(key) !== me) return false;
  return query.q === '' || key.toLowerCase().includes(query.q.toLowerCase());
}

/** The page of `items` (each named by `keyOf`) that `query` asks for, own rows first. */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, query: ListPageQuery, me: string): ListPage<T> {
  const matching = items.filter((item) => keyMatches(query, me, keyOf(item)));
  matching.sort((x, y) => compareOwnFirst(me, keyOf(x), keyOf(y)));
  return { items: matching.slice(query.offset, query.offset + query.limit), total: matching.length, offset: query.offset, limit: query.limit };
}

/**
 * Do rows added or removed elsewhere change what a viewer's page shows?
 * Yes when one of them passes its search and scope (the count "of N" moves,
 * and its rows may shift), or a removed one is on the page; rows another
 * query would show do not matter.
 */
export function pageAffected(
  page: { keys: readonly string[]; query: Pick<ListPageQuery, 'q' | 'scope'> },
  me: string,
  change: { added: readonly string[]; removed: readonly string[]; many?: boolean },
): boolean {
  if (change.many) return true;
  const shown = new Set(page.keys);
  const counts = (k: string) => keyMatches(page.query, me, k);
  return change.removed.some((k) => shown.has(k) || counts(k)) || change.added.some(counts);
}
