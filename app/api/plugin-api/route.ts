import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError, apiRoute } from '@/lib/api';

/** The plugin API's type definitions, for the editor's completion and hover docs. */
export const GET = apiRoute(async () => {
  const file = path.join(process.cwd(), 'engine', 'sandbox', 'plugin-api.d.ts');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ApiError(404, 'The plugin API definitions (engine/sandbox/plugin-api.d.ts) are not available yet');
  });
  return new Response(text, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'private, max-age=60' } });
});
