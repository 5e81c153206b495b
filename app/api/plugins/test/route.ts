import { apiRoute, json, readJson } from '@/lib/api';
import { requireEngine, testProof } from '@/lib/plugins';
import { pluginDefinitionSchema } from '@/lib/validations/plugin';

/**
 * Test Plugin: runs the definition over the matched window, then
 * timer_event(ns, true). A passing report carries `deployProof`, which Deploy
 * requires for exactly this text.
 */
export const POST = apiRoute(async ({ req, user }) => {
  const definition = await readJson(req, pluginDefinitionSchema);
  const report = await requireEngine().testPlugin({ owner: user.namespace, ...definition });
  return json({ ...report, deployProof: report.passed ? testProof(user.namespace, definition) : null });
});
