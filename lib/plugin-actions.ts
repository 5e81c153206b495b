/** Stop and Restart from the Plugins tab: same checks, different verb. */
import { apiRoute, json, parseParams } from './api';
import { db } from './db';
import { findManageablePlugin, pluginId, requireEngine } from './plugins';
import { pluginParamsSchema } from './validations/params';

export function pluginActionRoute(action: 'stop' | 'restart') {
  return apiRoute<{ owner: string; name: string }>(async ({ params, user }) => {
    const { owner, name } = parseParams(params, pluginParamsSchema);
    const plugin = await findManageablePlugin(user, owner, name);
    const engine = requireEngine();
    const id = pluginId(owner, name);
    if (action === 'stop') await engine.stopPlugin(id);
    else await engine.restartPlugin(id);
    const state = action === 'stop' ? 'stopped' : 'running';
    await db().plugin.update({
      where: { id: plugin.id },
      data: action === 'restart' ? { state, error: null, errorAt: null } : { state },
    });
    return json({ id, state });
  });
}
