import { ApiError, apiRoute, json } from '@/lib/api';
import { getEngine } from '@/lib/engine';

/** The engine at a glance (stream and analysis workers), for admins only. */
export const GET = apiRoute(async ({ user }) => {
  if (!user.isAdmin) throw new ApiError(403, 'Only admins may see the engine status');
  const engine = getEngine();
  if (!engine) throw new ApiError(503, 'The engine is not running; try again once the server has started it');
  return json(engine.engineStatus());
});
