/** The editor's working copy: one per user, saved as they type, restored on load. */
import { STARTER_MATCHER, STARTER_NAME, STARTER_SOURCE } from '../config/plugin-template';
import { db } from './db';
import { DEFAULT_PLUGIN_CONFIG, pluginConfigSchema, type DraftInput } from './validations/plugin';

export interface DraftView extends DraftInput {
  /** null when nothing was saved yet and this is the starter template. */
  updatedAt: string | null;
}

export const STARTER_DRAFT: DraftView = {
  name: STARTER_NAME,
  matcher: STARTER_MATCHER,
  source: STARTER_SOURCE,
  config: DEFAULT_PLUGIN_CONFIG,
  updatedAt: null,
};

export async function loadDraft(userId: string): Promise<DraftView> {
  const row = await db().draft.findUnique({ where: { userId } });
  if (!row) return STARTER_DRAFT;
  const config = pluginConfigSchema.safeParse(row.config);
  return {
    name: row.name,
    matcher: row.matcher,
    source: row.source,
    config: config.success ? config.data : DEFAULT_PLUGIN_CONFIG,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function saveDraft(userId: string, draft: DraftInput): Promise<DraftView> {
  const row = await db().draft.upsert({
    where: { userId },
    create: { userId, ...draft },
    update: draft,
  });
  return { ...draft, updatedAt: row.updatedAt.toISOString() };
}
