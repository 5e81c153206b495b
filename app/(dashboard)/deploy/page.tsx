import type { Metadata } from 'next';
import { PluginEditor, type EditingPlugin } from '@/components/editor/plugin-editor';
import { db } from '@/lib/db';
import { loadDraft } from '@/lib/drafts';
import { requireUser } from '@/lib/session';
import { DEFAULT_PLUGIN_CONFIG, pluginConfigSchema } from '@/lib/validations/plugin';

export const metadata: Metadata = { title: 'Deploy' };

/** `?edit=<owner>.<name>` opens a deployed plugin; otherwise the user's draft. */
async function pluginToEdit(edit: string | undefined): Promise<EditingPlugin | null> {
  const match = edit ? /^([a-z0-9_]+)\.([A-Za-z][\w-]*)$/.exec(edit) : null;
  if (!match) return null;
  const plugin = await db().plugin.findFirst({ where: { name: match[2], owner: { namespace: match[1] } } });
  if (!plugin) return null;
  const config = pluginConfigSchema.safeParse(plugin.config);
  return {
    id: edit!,
    version: plugin.version,
    name: plugin.name,
    matcher: plugin.matcher,
    source: plugin.source,
    config: config.success ? config.data : DEFAULT_PLUGIN_CONFIG,
  };
}

export default async function DeployPage({ searchParams }: { searchParams: Promise<{ edit?: string }> }) {
  const user = await requireUser();
  const { edit } = await searchParams;
  const [draft, editing] = await Promise.all([loadDraft(user.id), pluginToEdit(edit)]);
  return <PluginEditor key={edit ?? 'draft'} namespace={user.namespace} initialDraft={draft} editing={editing} />;
}
