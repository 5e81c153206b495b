import { apiRoute, json, readJson } from '@/lib/api';
import { loadDraft, saveDraft } from '@/lib/drafts';
import { draftSchema } from '@/lib/validations/plugin';

/** The signed-in user's editor draft (the starter template before the first save). */
export const GET = apiRoute(async ({ user }) => json(await loadDraft(user.id)));

export const PUT = apiRoute(async ({ req, user }) => {
  const draft = await readJson(req, draftSchema);
  return json(await saveDraft(user.id, draft));
});
