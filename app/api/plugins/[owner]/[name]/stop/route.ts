import { pluginActionRoute } from '@/lib/plugin-actions';

export const POST = pluginActionRoute('stop');
