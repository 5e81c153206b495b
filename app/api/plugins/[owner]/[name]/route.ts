import { apiRoute, json, parseParams } from '@/lib/api';
import { db } from '@/lib/db';
import { findManageablePlugin, findPlugin, pluginId, requireEngine } from '@/lib/plugins';
import { pluginParamsSchema } from '@/lib/validations/params';

type Params = { owner: string; name: string };

/** View Source (and Edit): anyone signed in may read a plugin's definition and history. */
export const GET = apiRoute<Params>(async ({ params }) => {
  const { owner, name } = parseParams(params, pluginParamsSchema);
  const plugin = await findPlugin(owner, name);
  const versions = await db().pluginVersion.findMany({
    where: { pluginId: plugin.id },
    orderBy: { version: 'desc' },
    select: { version: true, createdAt: true },
  });
  return json({
    id: pluginId(owner, name),
    owner,
    name: plugin.name,
    source: plugin.source,
    matcher: plugin.matcher,
    config: plugin.config,
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
