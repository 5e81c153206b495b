import { apiRoute, json, readJson } from '@/lib/api';
import { requireEngine } from '@/lib/plugins';
import { runMatcherSchema } from '@/lib/validations/plugin';

/**
 * Run Matcher: evaluates the matcher over the engine's in-memory window and
 * returns one page of matches. A matcher syntax error is a 422 with its position.
 */
export const POST = apiRoute(async ({ req }) => {
  const request = await readJson(req, runMatcherSchema);
  const result = await requireEngine().runMatcher(request);
  if (!result.ok) return json({ error: `Matcher error at ${result.error.position}: ${result.error.message}`, matcherError: result.error }, 422);
  return json(result);
});
