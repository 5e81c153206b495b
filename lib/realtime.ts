/**
 * socket.io: live plugin stats and output content pushed to signed-in
 * browsers. The server attaches it once; publishers (the engine bridge) reach
 * it through the globalThis singleton from any module copy.
 *
 * Rooms: `plugins` (stats of every plugin), `outputs` (the output list) and
 * `output:<name>` (one output's content). Clients join with `subscribe`.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { sessionTokenFromCookieHeader, userFromSessionToken, type CurrentUser } from './session';
import type { OutputContent, OutputSummary, PluginStats } from './engine';

export const SOCKET_PATH = '/socket.io';

const globalForRealtime = globalThis as unknown as { foresightIo?: Server };

export function topicAllowed(topic: unknown): topic is string {
  return typeof topic === 'string' && (topic === 'plugins' || topic === 'outputs' || /^output:analysis\.[\w.-]{1,400}$/.test(topic));
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
  });
  globalForRealtime.foresightIo = io;
  return io;
}

export function realtime(): Server | null {
  return globalForRealtime.foresightIo ?? null;
}

export function publishPluginStats(stats: PluginStats[]): void {
  realtime()?.to('plugins').emit('plugins:stats', stats);
}

export function publishOutputList(outputs: OutputSummary[]): void {
  realtime()?.to('outputs').emit('outputs:list', outputs);
}

export function publishOutput(output: OutputContent): void {
  realtime()?.to(`output:${output.name}`).emit('output:content', output);
}
