import { apiRoute, json } from '@/lib/api';
import { listOutputPage } from '@/lib/outputs';
import { listPageQueryFrom } from '@/lib/validations/list-page';

/** Raw Dashboard Output, a page at a time (`?offset=&limit=&q=&scope=mine`; 50 by default, at most 200), the caller's own first. */
export const GET = apiRoute(async ({ req, user }) => {
  const page = await listOutputPage(user, listPageQueryFrom(new URL(req.url).searchParams));
  return json({ outputs: page.items, total: page.total, offset: page.offset, limit: page.limit });
});
