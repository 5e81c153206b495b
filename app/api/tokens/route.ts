import { apiRoute, json, readJson } from '@/lib/api';
import { createToken, listTokens } from '@/lib/tokens';
import { createTokenSchema } from '@/lib/validations/token';

export const GET = apiRoute(async ({ user }) => json({ tokens: await listTokens(user.id) }));

/** Creates a token; the response is the only time its value is shown. */
export const POST = apiRoute(async ({ req, user }) => {
  const { name } = await readJson(req, createTokenSchema);
  const { token, view } = await createToken(user.id, name);
  return json({ token, ...view }, 201);
});
