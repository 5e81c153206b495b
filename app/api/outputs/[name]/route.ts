import { z } from 'zod';
import { ApiError, apiRoute, json, parseParams } from '@/lib/api';
import { readOutput } from '@/lib/outputs';

const paramsSchema = z.object({ name: z.string().regex(/^analysis\.[\w-]+\.[\w-]+\.[\w.-]+$/, 'Not an output name') });

/** One output's current content. */
export const GET = apiRoute<{ name: string }>(async ({ params }) => {
  const { name } = parseParams(params, paramsSchema);
  const output = await readOutput(name);
  if (!output) throw new ApiError(404, `Output '${name}' does not exist`);
  return json(output);
});
