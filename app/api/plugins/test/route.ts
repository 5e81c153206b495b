import { apiRoute, json, readJson } from '@/lib/api';
import { isEngineBusy } from '@/lib/engine';
import { requireEngine, testProof } from '@/lib/plugins';
import { readLimitCaps } from '@/lib/env';
import { pluginDefinitionSchema, withinLimitCaps } from '@/lib/validations/plugin';

/**
 * Test Plugin: runs the definition over the matched window, then
 * timer_event(ns, true). A passing report carries `deployProof`, which Deploy
 * requires for exactly this text. Runs are shared fairly between users; a
 * user with as many runs going and waiting as allowed gets a 429.
 */
export const POST = apiRoute(async ({ req, user }) => {
  const definition = await readJson(req, pluginDefinitionSchema.superRefine(withinLimitCaps(readLimitCaps())));
  try {
    const report = await requireEngine().testPlugin({ owner: user.namespace, ...definition });
    return json({ ...report, deployProof: report.passed ? testProof(user.namespace, definition) : null });
  } catch (err) {
    if (!isEngineBusy(err)) throw err;
    return json({ error: `${err.message}.` }, { status: 429, headers: { 'Retry-After': String(Math.ceil(err.retryAfterMs / 1000)) } });
  }
});
