import { z } from 'zod';
import { ApiError, apiRoute, json, parseParams } from '@/lib/api';
import { db } from '@/lib/db';
import { findManageablePlugin, findPlugin, pluginId, requireEngine } from '@/lib/plugins';
import { pluginParamsSchema } from '@/lib/validations/params';

type Params = { owner: string; name: string };

const versionQuerySchema = z.coerce
  .number({ error: 'version must be a whole number' })
  .int('version must be a whole number')
  .min(1, 'version must be at least 1')
  .optional();

/**
 * View Source (and Edit): anyone signed in may read a plugin's definition and
 * history; `?version=N` gives the text of an earlier deployed version.
 */
export const GET = apiRoute<Params>(async ({ req, params }) => {
  const { owner, name } = parseParams(params, pluginParamsSchema);
  const asked = versionQuerySchema.safeParse(new URL(req.url).searchParams.get('version') ?? undefined);
  if (!asked.success) throw new ApiError(400, asked.error.issues[0].message);
  const plugin = await findPlugin(owner, name);
  const versions = await db().pluginVersion.findMany({
    where: { pluginId: plugin.id },
    orderBy: { version: 'desc' },
    select: { version: true, createdAt: true },
  });
  const shown =
    asked.data === undefined
      ? plugin
      : await db().pluginVersion.findUnique({ where: { pluginId_version: { pluginId: plugin.id, version: asked.data } } });
  if (!shown) throw new ApiError(404, `Plugin '${pluginId(owner, name)}' has no version ${asked.data}`);
  return json({
    id: pluginId(owner, name),
    owner,
    name: plugin.name,
    shownVersion: asked.data ?? plugin.version,
    source: shown.source,
    matcher: shown.matcher,
    config: shown.config,
    state: plugin.state,
    error: plugin.error,
    errorAt: plugin.errorAt?.toISOString() ?? null,
    version: plugin.version,
    versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() })),
  });
});

/** Delete: owners and admins only; stops it in the engine, then forgets it. */
export const DELETE = apiRoute<Params>(async ({ params, user }) => {
  const { owner, name } = parseParams(params, pluginParamsSchema);
  const plugin = await findManageablePlugin(user, owner, name);
  await requireEngine().deletePlugin(pluginId(owner, name));
  await db().plugin.delete({ where: { id: plugin.id } });
  return json({ deleted: pluginId(owner, name) });
});
