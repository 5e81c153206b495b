/**
 * Plugin outputs for the Dashboards tab: live from the engine when it runs,
 * otherwise what the database kept (marked stale: nothing updates them).
 */
import { db } from './db';
import { getEngine, type OutputContent, type OutputSummary } from './engine';

export async function listOutputs(): Promise<OutputSummary[]> {
  const engine = getEngine();
  if (engine) return engine.listOutputs();
  const rows = await db().pluginOutput.findMany({
    include: { plugin: { select: { name: true, owner: { select: { namespace: true } } } } },
    orderBy: { name: 'asc' },
  });
  return rows.map((row) => ({
    name: row.name,
    plugin: `${row.plugin.owner.namespace}.${row.plugin.name}`,
    bytes: Buffer.byteLength(row.content),
    updatedAt: row.updatedAt.toISOString(),
    stale: true,
  }));
}

export async function readOutput(name: string): Promise<OutputContent | null> {
  const engine = getEngine();
  if (engine) return engine.readOutput(name);
  const row = await db().pluginOutput.findUnique({
    where: { name },
    include: { plugin: { select: { name: true, owner: { select: { namespace: true } } } } },
  });
  if (!row) return null;
  return {
    name: row.name,
    plugin: `${row.plugin.owner.namespace}.${row.plugin.name}`,
    bytes: Buffer.byteLength(row.content),
    updatedAt: row.updatedAt.toISOString(),
    stale: true,
    content: row.content,
  };
}
