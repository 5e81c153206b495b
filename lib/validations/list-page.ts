/**
 * The query of a paged list (`/api/plugins`, `/api/outputs` and the pages
 * that show them): where the page starts, how long it is, a search text and
 * whether to show only the signed-in user's own rows.
 */
import { z } from 'zod';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

const count = (name: string, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be 0 or more`)
    .max(max, `${name} must be at most ${max}`);

export const listPageQuerySchema = z.object({
  offset: count('offset', 1_000_000_000).default(0),
  limit: count('limit', MAX_PAGE_SIZE).min(1, 'limit must be 1 or more').default(DEFAULT_PAGE_SIZE),
  q: z.string().max(200, 'q must be at most 200 characters').default(''),
  scope: z.enum(['all', 'mine'], { error: "scope must be 'all' or 'mine'" }).default('all'),
});

export type ListPageQuery = z.infer<typeof listPageQuerySchema>;

/** The query from URL search parameters (absent ones take their defaults); throws a ZodError on bad values. */
export function listPageQueryFrom(params: URLSearchParams | Record<string, string | string[] | undefined>): ListPageQuery {
  const get = (key: string): string | undefined => {
    if (params instanceof URLSearchParams) return params.get(key) ?? undefined;
    const v = params[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const raw: Record<string, string> = {};
  for (const key of ['offset', 'limit', 'q', 'scope']) {
    const v = get(key);
    if (v !== undefined && v !== '') raw[key] = v;
  }
  return listPageQuerySchema.parse(raw);
}
