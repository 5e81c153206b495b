import type { Metadata } from 'next';
import { PluginEditor, type DeployedVersion, type EditingPlugin } from '@/components/editor/plugin-editor';
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

/** The user's own deployed plugin named as the draft is, so a restored draft can offer the way back to it. */
async function deployedVersionOf(userId: string, namespace: string, name: string): Promise<DeployedVersion | null> {
  const trimmed = name.trim();
  if (!trimmed) return null;
  const plugin = await db().plugin.findFirst({ where: { name: trimmed, ownerId: userId }, select: { version: true } });
  return plugin ? { id: `${namespace}.${trimmed}`, version: plugin.version } : null;
}

export default async function DeployPage({ searchParams }: { searchParams: Promise<{ edit?: string }> }) {
  const user = await requireUser();
  const { edit } = await searchParams;
  const [draft, editing] = await Promise.all([loadDraft(user.id), pluginToEdit(edit)]);
  const deployedVersion = editing || draft.updatedAt === null ? null : await deployedVersionOf(user.id, user.namespace, draft.name);
  return <PluginEditor key={edit ?? 'draft'} namespace={user.namespace} initialDraft={draft} editing={editing} deployedVersion={deployedVersion} />;
}
