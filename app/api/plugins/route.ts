import { z } from 'zod';
import { ApiError, apiRoute, json, readJson } from '@/lib/api';
import { listPluginPage } from '@/lib/plugin-list';
import { deployPlugin, isValidTestProof, requireEngine } from '@/lib/plugins';
import { listPageQueryFrom } from '@/lib/validations/list-page';
import { readLimitCaps } from '@/lib/env';
import { pluginDefinitionSchema, withinLimitCaps } from '@/lib/validations/plugin';

/**
 * A page of plugins (`?offset=&limit=&q=&scope=mine`; 50 by default, at most
 * 200), the caller's own first, each with its owner, state and (when the
 * engine runs) live stats; `total` counts every match.
 */
export const GET = apiRoute(async ({ req, user }) => {
  const page = await listPluginPage(user, listPageQueryFrom(new URL(req.url).searchParams));
  return json({ plugins: page.items, total: page.total, offset: page.offset, limit: page.limit });
});

const NOT_TESTED = 'Test the plugin first: Deploy needs a passing test of this exact text';
const deploySchema = pluginDefinitionSchema.extend({
  deployProof: z.string({ error: NOT_TESTED }).min(1, NOT_TESTED),
});

/** Deploy Plugin: publishes the tested text as `<namespace>.<name>` (a new version when it exists). */
export const POST = apiRoute(async ({ req, user }) => {
  const { deployProof, ...definition } = await readJson(req, deploySchema.superRefine(withinLimitCaps(readLimitCaps())));
  requireEngine();
  if (!isValidTestProof(user.namespace, definition, deployProof)) {
    throw new ApiError(409, 'This text has not passed Test Plugin since its last edit; test it again, then deploy');
  }
  const result = await deployPlugin(user, definition);
  return json(result, result.updated ? 200 : 201);
});
