/**
 * Direct access to the e2e server's SQLite database, for arranging state the
 * UI cannot create while the engine is not connected (a deployed plugin row).
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createClient } from '@libsql/client';

function client() {
  const dir = process.env.FORESIGHT_E2E_DATA_DIR;
  if (!dir) throw new Error('FORESIGHT_E2E_DATA_DIR is not set (run through playwright.config.ts)');
  return createClient({ url: `file:${path.join(dir, 'foresight.db')}` });
}

export async function insertPlugin(ownerNamespace: string, name: string, fields: { source: string; matcher: string; state?: string; error?: string }) {
  const db = client();
  try {
    const owner = await db.execute({ sql: 'SELECT id FROM "User" WHERE namespace = ?', args: [ownerNamespace] });
    const ownerId = owner.rows[0]?.id;
    if (!ownerId) throw new Error(`No user with namespace ${ownerNamespace}`);
    const id = randomUUID();
    const now = new Date().toISOString();
    const config = JSON.stringify({ ticker_interval: 60, preserve_data: false, user: {} });
    await db.execute({
      sql: `INSERT INTO "Plugin" (id, ownerId, name, source, matcher, config, state, error, errorAt, version, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
      args: [id, ownerId, name, fields.source, fields.matcher, config, fields.state ?? 'running', fields.error ?? null, fields.error ? now : null, now, now],
    });
    await db.execute({
      sql: `INSERT INTO "PluginVersion" (id, pluginId, version, source, matcher, config, createdAt) VALUES (?, ?, 1, ?, ?, ?, ?)`,
      args: [randomUUID(), id, fields.source, fields.matcher, config, now],
    });
  } finally {
    db.close();
  }
}

/** A persisted output row, as the engine would leave it for a plugin. */
export async function insertOutput(ownerNamespace: string, plugin: string, name: string, content: string) {
  const db = client();
  try {
    const row = await db.execute({
      sql: 'SELECT p.id FROM "Plugin" p JOIN "User" u ON u.id = p.ownerId WHERE u.namespace = ? AND p.name = ?',
      args: [ownerNamespace, plugin],
    });
    const pluginId = row.rows[0]?.id;
    if (!pluginId) throw new Error(`No plugin ${ownerNamespace}.${plugin}`);
    await db.execute({
      sql: 'INSERT INTO "PluginOutput" (id, pluginId, name, content, updatedAt) VALUES (?, ?, ?, ?, ?)',
      args: [randomUUID(), pluginId, name, content, new Date().toISOString()],
    });
  } finally {
    db.close();
  }
}
