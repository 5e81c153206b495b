/**
 * socket.io: what the open page shows, pushed to signed-in browsers. The
 * server attaches it once; the engine bridge reaches it through the
 * globalThis singleton from any module copy.
 *
 * A page says what it shows, and only that is pushed to it:
 * - `watch` `{ list: 'plugins' | 'outputs', keys }`: the rows of its page
 *   (at most MAX_WATCHED_ROWS). It gets `<list>:delta` `{ updated, removed }`
 *   at once for those rows, then only for watched rows that changed,
 *   throttled by the bridge. `unwatch` `{ list }` stops it.
 * - `subscribe` `'plugins' | 'outputs'`: short `<list>:changed` notices
 *   (keys added, removed, updated) so a page can tell whether its slice
 *   moved; `subscribe` `'output:<name>'`: that output's content
 *   (`output:content`), for the one output a page has open.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { parseWatchedKeys, WatchedRows, WatchError, type RowDelta } from './live-deltas';
import { sessionTokenFromCookieHeader, userFromSessionToken, type CurrentUser } from './session';
import type { OutputContent, OutputSummary, PluginStats } from './engine';

export const SOCKET_PATH = '/socket.io';

export type LiveListName = 'plugins' | 'outputs';
type RowOf<L extends LiveListName> = L extends 'plugins' ? PluginStats : OutputSummary;

/** A list's watched rows and how to read a row's current value (null when it is gone). */
interface LiveList<V> {
  rows: WatchedRows<V>;
  read: (key: string) => V | null;
}

interface RealtimeState {
  io?: Server;
  lists: { plugins: LiveList<PluginStats>; outputs: LiveList<OutputSummary> };
}

const globalForRealtime = globalThis as unknown as { foresightRealtime?: RealtimeState };

function state(): RealtimeState {
  globalForRealtime.foresightRealtime ??= {
    lists: {
      plugins: { rows: new WatchedRows<PluginStats>(), read: () => null },
      outputs: { rows: new WatchedRows<OutputSummary>(), read: () => null },
    },
  };
  return globalForRealtime.foresightRealtime;
}

function liveList<L extends LiveListName>(list: L): LiveList<RowOf<L>> {
  return state().lists[list] as unknown as LiveList<RowOf<L>>;
}

export function topicAllowed(topic: unknown): topic is string {
  return typeof topic === 'string' && (topic === 'plugins' || topic === 'outputs' || /^output:analysis\.[\w.-]{1,400}$/.test(topic));
}

function isListName(list: unknown): list is LiveListName {
  return list === 'plugins' || list === 'outputs';
}

export function attachRealtime(httpServer: HttpServer): Server {
  const io = new Server(httpServer, { path: SOCKET_PATH, serveClient: false });
  io.use(async (socket, next) => {
    try {
      const user = await userFromSessionToken(sessionTokenFromCookieHeader(socket.handshake.headers.cookie));
      if (!user) return next(new Error('Sign in first'));
      (socket.data as { user: CurrentUser }).user = user;
      next();
    } catch {
      next(new Error('Could not check the session'));
    }
  });
  io.on('connection', (socket) => {
    socket.on('subscribe', (topic: unknown, ack?: unknown) => {
      const allowed = topicAllowed(topic);
      if (allowed) void socket.join(topic);
      if (typeof ack === 'function') ack(allowed);
    });
    socket.on('unsubscribe', (topic: unknown) => {
      if (topicAllowed(topic)) void socket.leave(topic);
    });
    socket.on('watch', (request: unknown, ack?: unknown) => {
      const answer = typeof ack === 'function' ? (ack as (r: { ok: boolean; error?: string }) => void) : () => {};
      try {
        const { list, keys } = (request ?? {}) as { list?: unknown; keys?: unknown };
        if (!isListName(list)) throw new WatchError("list must be 'plugins' or 'outputs'");
        watch(socket, list, parseWatchedKeys(keys));
        answer({ ok: true });
      } catch (err) {
        answer({ ok: false, error: err instanceof WatchError ? err.message : 'Could not watch those rows' });
      }
    });
    socket.on('unwatch', (request: unknown) => {
      const list = (request as { list?: unknown } | null)?.list;
      if (isListName(list)) liveList(list).rows.unwatch(socket.id);
    });
    socket.on('disconnect', () => {
      liveList('plugins').rows.unwatch(socket.id);
      liveList('outputs').rows.unwatch(socket.id);
    });
  });
  state().io = io;
  return io;
}

/** The socket now shows `keys`: it gets their current values at once, then their changes. */
function watch(socket: Socket, list: LiveListName, keys: string[]): void {
  const { rows, read } = liveList(list) as LiveList<PluginStats | OutputSummary>;
  const added = rows.watch(socket.id, keys);
  if (added.length === 0) return;
  const snapshot: RowDelta<PluginStats | OutputSummary> = { updated: [], removed: [] };
  for (const key of added) {
    const value = read(key);
    rows.sentSnapshot(key, value);
    if (value) snapshot.updated.push(value);
    else snapshot.removed.push(key);
  }
  socket.emit(`${list}:delta`, snapshot);
}

export function realtime(): Server | null {
  return state().io ?? null;
}

/** How the bridge reads a row's current value for watchers (null: the row is gone). */
export function setRowReader<L extends LiveListName>(list: L, read: (key: string) => RowOf<L> | null): void {
  liveList(list).read = read;
}

/** The watched rows of a list, for the bridge to note changes in. */
export function watchedRows<L extends LiveListName>(list: L): WatchedRows<RowOf<L>> {
  return liveList(list).rows;
}

/** Push each viewer the watched rows of `list` that changed since the last push. */
export function publishRowDeltas(list: LiveListName): void {
  const { rows, read } = liveList(list) as LiveList<PluginStats | OutputSummary>;
  if (!rows.hasPending) return;
  const deltas = rows.flush(read);
  const io = realtime();
  if (!io) return;
  for (const [socketId, delta] of deltas) io.to(socketId).emit(`${list}:delta`, delta);
}

export interface ListChanges {
  added: string[];
  removed: string[];
  updated: string[];
  /** Too many changes to name: pages reload what they show. */
  many: boolean;
}

/** Rows added, removed or redefined, to every page showing the list. */
export function publishListChanges(list: LiveListName, changes: ListChanges): void {
  realtime()?.to(list).emit(`${list}:changed`, changes);
}

/** Does any page have this topic open (so reading the content is worth it)? */
export function hasSubscribers(topic: string): boolean {
  return (realtime()?.sockets.adapter.rooms.get(topic)?.size ?? 0) > 0;
}

export function publishOutput(output: OutputContent): void {
  realtime()?.to(`output:${output.name}`).emit('output:content', output);
}
