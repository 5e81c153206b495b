import { apiRoute, json } from '@/lib/api';
import { listOutputs } from '@/lib/outputs';

/** Raw Dashboard Output: every plugin output by name. */
export const GET = apiRoute(async () => json({ outputs: await listOutputs() }));
