import { z } from 'zod';
import { ApiError, apiRoute, json, readJson } from '@/lib/api';
import { deployPlugin, isValidTestProof, listPlugins, requireEngine } from '@/lib/plugins';
import { pluginDefinitionSchema } from '@/lib/validations/plugin';

/** Every plugin, with its owner, state and (when the engine runs) live stats. */
export const GET = apiRoute(async ({ user }) => json({ plugins: await listPlugins(user) }));

const NOT_TESTED = 'Test the plugin first: Deploy needs a passing test of this exact text';
const deploySchema = pluginDefinitionSchema.extend({
  deployProof: z.string({ error: NOT_TESTED }).min(1, NOT_TESTED),
});

/** Deploy Plugin: publishes the tested text as `<namespace>.<name>` (a new version when it exists). */
export const POST = apiRoute(async ({ req, user }) => {
  const { deployProof, ...definition } = await readJson(req, deploySchema);
  requireEngine();
  if (!isValidTestProof(user.namespace, definition, deployProof)) {
    throw new ApiError(409, 'This text has not passed Test Plugin since its last edit; test it again, then deploy');
  }
  const result = await deployPlugin(user, definition);
  return json(result, result.updated ? 200 : 201);
});
