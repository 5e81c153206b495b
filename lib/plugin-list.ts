/**
 * The Plugins page's list, a page at a time: the signed-in user's own
 * plugins first, then everyone else's, by id, with an optional search text
 * and "mine only". Live figures come with the page; afterwards the page
 * watches its rows over socket.io (lib/realtime.ts).
 */
import { pageOf, type ListPage } from './list-page';
import { listPlugins, type PluginRow } from './plugins';
import type { CurrentUser } from './session';
import type { ListPageQuery } from './validations/list-page';

export async function listPluginPage(user: CurrentUser, query: ListPageQuery): Promise<ListPage<PluginRow>> {
  return pageOf(await listPlugins(user), (row) => row.id, query, user.namespace);
}
