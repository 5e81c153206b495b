import { apiRoute, json, readJson } from '@/lib/api';
import { isEngineBusy } from '@/lib/engine';
import { requireEngine } from '@/lib/plugins';
import { runMatcherSchema } from '@/lib/validations/plugin';

/**
 * Run Matcher: evaluates the matcher over the engine's in-memory window,
 * newest first, off the server's event loop and under a time budget, and
 * returns one page of matches; a run cut short says how far it got
 * (`cutShort`). A matcher syntax error is a 422 with its position. One run
 * per user at a time: a second while the first is going is a 429 (the
 * editor never sends two; a script that does gets told, rather than making
 * the server start and stop scans in a loop).
 */
export const POST = apiRoute(async ({ req, user }) => {
  const request = await readJson(req, runMatcherSchema);
  let result;
  try {
    result = await requireEngine().runMatcher({ ...request, owner: user.namespace, signal: req.signal });
  } catch (err) {
    if (!isEngineBusy(err)) throw err;
    return json({ error: `${err.message}.` }, { status: 429, headers: { 'Retry-After': String(Math.ceil(err.retryAfterMs / 1000)) } });
  }
  if (!result.ok) return json({ error: `Matcher error at ${result.error.position}: ${result.error.message}`, matcherError: result.error }, 422);
  return json(result);
});
