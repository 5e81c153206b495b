import { z } from 'zod';
import { ApiError, apiRoute, json, parseParams } from '@/lib/api';
import { revokeToken } from '@/lib/tokens';

/** Revokes one of the user's tokens (kept in the list, marked revoked). */
export const DELETE = apiRoute<{ id: string }>(async ({ params, user }) => {
  const { id } = parseParams(params, z.object({ id: z.string().min(1).max(64) }));
  const token = await revokeToken(user.id, id);
  if (!token) throw new ApiError(404, 'No such token');
  return json(token);
});
