/**
 * At start, the database (plugin definitions) and the engine (its own
 * registry in the data directory) are brought back into agreement. They part
 * when one outlives the other: a fresh data directory under a PostgreSQL
 * database that kept its plugins, or a database reset beside an old data
 * directory. The database is the record of what people deployed:
 *
 * - a plugin the database says runs but the engine does not know is deployed
 *   again from its stored definition, at the stream's live head (its stream
 *   position and preserved state lived in the lost data directory);
 *   one the engine refuses is marked terminated with the engine's reason;
 * - a plugin the engine runs but the database does not know is stopped: no
 *   one could see or manage it in the portal. Its state stays on disk.
 */
import { db } from './db';
import type { PortalEngine } from './engine';
import { pluginId } from './plugin-id';
import { pluginConfigSchema } from './validations/plugin';

export interface PluginSyncReport {
  redeployed: string[];
  failed: { id: string; error: string }[];
  stoppedOrphans: string[];
}

const WANTS_TO_RUN = new Set(['running', 'deploying']);

export async function syncPluginsWithEngine(engine: PortalEngine): Promise<PluginSyncReport> {
  const prisma = db();
  const report: PluginSyncReport = { redeployed: [], failed: [], stoppedOrphans: [] };
  const known = new Map(engine.pluginStats().map((s) => [s.id, s]));
  const rows = await prisma.plugin.findMany({ include: { owner: { select: { namespace: true } } } });
  const inDatabase = new Set<string>();

  for (const row of rows) {
    const id = pluginId(row.owner.namespace, row.name);
    inDatabase.add(id);
    if (known.has(id) || !WANTS_TO_RUN.has(row.state)) continue;
    const config = pluginConfigSchema.safeParse(row.config ?? {});
    try {
      if (!config.success) throw new Error(`its stored config is invalid: ${config.error.issues[0]?.message ?? 'unknown problem'}`);
      await engine.deployPlugin({ owner: row.owner.namespace, name: row.name, source: row.source, matcher: row.matcher, config: config.data });
      if (row.state !== 'running') await prisma.plugin.update({ where: { id: row.id }, data: { state: 'running' } });
      report.redeployed.push(id);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await prisma.plugin.update({ where: { id: row.id }, data: { state: 'terminated', error, errorAt: new Date() } });
      report.failed.push({ id, error });
    }
  }

  for (const [id, stats] of known) {
    if (inDatabase.has(id) || stats.state !== 'running') continue;
    await engine.stopPlugin(id);
    report.stoppedOrphans.push(id);
  }
  return report;
}
