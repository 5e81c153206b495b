/**
 * Plugin definitions in the database and the rules around them: who may act
 * on a plugin, deploying a new version, and the proof that a text passed Test
 * Plugin before it is deployed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './api';
import { db, type Plugin } from './db';
import { getEngine, type PluginState, type PluginStats, type PortalEngine } from './engine';
import { pluginId } from './plugin-id';
import type { CurrentUser } from './session';
import { pluginConfigSchema, type PluginDefinition, type PluginLimitsView } from './validations/plugin';

export { pluginId } from './plugin-id';

export function requireEngine(): PortalEngine {
  const engine = getEngine();
  if (!engine) throw new ApiError(503, 'The engine is not running; try again once the server has started it');
  return engine;
}

export interface PluginRow {
  id: string;
  owner: string;
  name: string;
  matcher: string;
  state: PluginState;
  version: number;
  error: string | null;
  /** The line of the plugin's code the error names, when the engine knows it. */
  errorLine: number | null;
  errorAt: string | null;
  updatedAt: string;
  /** Live figures from the engine; null while it is not running. */
  stats: PluginStats | null;
  /** The limits it runs with, each with the server's cap; null while the engine does not know it. */
  limits: PluginLimitsView | null;
  /** The signed-in user may stop, restart and delete it. */
  canManage: boolean;
}

export async function listPlugins(user: CurrentUser): Promise<PluginRow[]> {
  const plugins = await db().plugin.findMany({ include: { owner: { select: { namespace: true } } }, orderBy: [{ updatedAt: 'desc' }] });
  const stats = new Map((getEngine()?.pluginStats() ?? []).map((s) => [s.id, s]));
  return plugins.map((p) => {
    const id = pluginId(p.owner.namespace, p.name);
    const live = stats.get(id) ?? null;
    return {
      id,
      owner: p.owner.namespace,
      name: p.name,
      matcher: p.matcher,
      state: (live?.state ?? p.state) as PluginState,
      version: p.version,
      error: live?.error?.message ?? p.error,
      errorLine: live?.error?.line ?? null,
      errorAt: live?.error?.at ?? p.errorAt?.toISOString() ?? null,
      updatedAt: p.updatedAt.toISOString(),
      stats: live,
      limits: live?.limits ?? null,
      canManage: user.isAdmin || user.namespace === p.owner.namespace,
    };
  });
}

/** The plugin `<owner>.<name>`, or 404. */
export async function findPlugin(owner: string, name: string): Promise<Plugin & { owner: { namespace: string } }> {
  const plugin = await db().plugin.findFirst({
    where: { name, owner: { namespace: owner } },
    include: { owner: { select: { namespace: true } } },
  });
  if (!plugin) throw new ApiError(404, `Plugin '${pluginId(owner, name)}' does not exist`);
  return plugin;
}

/** The plugin, if the user owns it or is an admin; otherwise 403 in Hindsight's words. */
export async function findManageablePlugin(user: CurrentUser, owner: string, name: string) {
  const plugin = await findPlugin(owner, name);
  if (!user.isAdmin && plugin.owner.namespace !== user.namespace) {
    throw new ApiError(403, `Plugin '${pluginId(owner, name)}' is not owned by you`);
  }
  return plugin;
}

function testSecret(): string {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set');
  return secret;
}

/**
 * Test Plugin hands back this proof for the exact text that passed; Deploy
 * accepts only a definition carrying it, so an edit after testing (or no test
 * at all) cannot be deployed, whatever the browser does.
 */
export function testProof(owner: string, definition: PluginDefinition): string {
  const canonical = JSON.stringify([owner, definition.name, definition.matcher, definition.source, definition.config]);
  return createHmac('sha256', testSecret()).update(canonical).digest('base64url');
}

export function isValidTestProof(owner: string, definition: PluginDefinition, proof: string): boolean {
  const expected = Buffer.from(testProof(owner, definition));
  const given = Buffer.from(proof);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface DeployResult {
  id: string;
  version: number;
  updated: boolean;
}

/**
 * Records a new version, then asks the engine to run it. When the engine
 * refuses, the database goes back to what it was.
 */
export async function deployPlugin(user: CurrentUser, definition: PluginDefinition): Promise<DeployResult> {
  const engine = requireEngine();
  const prisma = db();
  const config = pluginConfigSchema.parse(definition.config);
  const previous = await prisma.plugin.findUnique({ where: { ownerId_name: { ownerId: user.id, name: definition.name } } });
  const version = (previous?.version ?? 0) + 1;
  const fields = { source: definition.source, matcher: definition.matcher, config, state: 'deploying', error: null, errorAt: null, version };
  const plugin = previous
    ? await prisma.plugin.update({ where: { id: previous.id }, data: fields })
    : await prisma.plugin.create({ data: { ownerId: user.id, name: definition.name, ...fields } });
  await prisma.pluginVersion.create({
    data: { pluginId: plugin.id, version, source: definition.source, matcher: definition.matcher, config },
  });
  const id = pluginId(user.namespace, definition.name);
  try {
    await engine.deployPlugin({ owner: user.namespace, ...definition, config });
  } catch (err) {
    await prisma.pluginVersion.delete({ where: { pluginId_version: { pluginId: plugin.id, version } } });
    if (previous) {
      const { id: _id, createdAt: _c, updatedAt: _u, config: previousConfig, ...rest } = previous;
      await prisma.plugin.update({ where: { id: plugin.id }, data: { ...rest, config: previousConfig ?? {} } });
    } else {
      await prisma.plugin.delete({ where: { id: plugin.id } });
    }
    throw new ApiError(422, `Deploying ${id} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  await prisma.plugin.update({ where: { id: plugin.id }, data: { state: 'running' } });
  return { id, version, updated: Boolean(previous) };
}
