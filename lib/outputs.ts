/**
 * Plugin outputs for the Dashboards tab: live from the engine when it runs,
 * otherwise what the database kept (marked stale: nothing updates them);
 * a page at a time, the signed-in user's own outputs first.
 */
import { db } from './db';
import { getEngine, type OutputContent, type OutputSummary } from './engine';
import { pageOf, type ListPage } from './list-page';
import type { CurrentUser } from './session';
import type { ListPageQuery } from './validations/list-page';

/** One page of the outputs `query` asks for (own first, then by name). */
export async function listOutputPage(user: CurrentUser, query: ListPageQuery): Promise<ListPage<OutputSummary>> {
  return pageOf(await listOutputs(), (o) => o.name, query, user.namespace);
}

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
