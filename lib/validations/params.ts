import { z } from 'zod';
import { namespaceSchema, pluginNameSchema } from './plugin';

/** `/api/plugins/<owner>/<name>` */
export const pluginParamsSchema = z.object({ owner: namespaceSchema, name: pluginNameSchema });
