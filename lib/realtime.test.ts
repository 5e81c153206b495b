import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpTestDatabase, signedInUser, type TestUser } from './testing/api-harness';
import { attachRealtime, publishListChanges, publishOutput, publishRowDeltas, setRowReader, topicAllowed, watchedRows } from './realtime';
import type { OutputContent, PluginStats } from './engine';
import type { RowDelta } from './live-deltas';

let cleanUp: () => Promise<void>;
let server: Server;
let url: string;
let alice: TestUser;
const sockets: Socket[] = [];

beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
  alice = await signedInUser('alice@example.com');
  server = createServer();
  attachRealtime(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await cleanUp();
});

function open(cookie?: string): Socket {
  const socket = connect(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, reconnection: false });
  sockets.push(socket);
  return socket;
}

const once = <T>(socket: Socket, event: string) => new Promise<T>((resolve) => socket.once(event, resolve));

describe('realtime', () => {
  it('refuses connections without a session', async () => {
    const socket = open();
    const error = await once<Error>(socket, 'connect_error');
    expect(error.message).toBe('Sign in first');
  });

  it('pushes a watcher its watched rows at once, then only the ones that changed', async () => {
    const stats = new Map<string, PluginStats>();
    const row = (id: string, processed: number): PluginStats => ({ id, state: 'running', processed, rate: 0, failures: 0, memoryBytes: 10, maxMemoryBytes: 20, avgProcessNs: 5, avgTimerNs: 6 });
    for (const id of ['alice.a', 'alice.b', 'bob.c']) stats.set(id, row(id, 1));
    setRowReader('plugins', (id) => stats.get(id) ?? null);

    const socket = open(alice.cookie);
    await once(socket, 'connect');
    const snapshot = once<RowDelta<PluginStats>>(socket, 'plugins:delta');
    expect(await socket.emitWithAck('watch', { list: 'plugins', keys: ['alice.a', 'bob.c', 'gone.x'] })).toEqual({ ok: true });
    expect(await snapshot).toEqual({ updated: [row('alice.a', 1), row('bob.c', 1)], removed: ['gone.x'] });

    // Unwatched and unchanged rows are not pushed; a changed watched row is.
    const rows = watchedRows('plugins');
    stats.set('alice.b', row('alice.b', 2));
    stats.set('bob.c', row('bob.c', 2));
    for (const id of ['alice.a', 'alice.b', 'bob.c']) rows.changed(id);
    const delta = once<RowDelta<PluginStats>>(socket, 'plugins:delta');
    publishRowDeltas('plugins');
    expect(await delta).toEqual({ updated: [row('bob.c', 2)], removed: [] });

    // A bad request is refused with what is wrong; the previous watch stands.
    expect(await socket.emitWithAck('watch', { list: 'plugins', keys: 'alice.a' })).toEqual({ ok: false, error: 'keys must be an array of row keys' });
    expect(await socket.emitWithAck('watch', { list: 'secrets', keys: [] })).toEqual({ ok: false, error: "list must be 'plugins' or 'outputs'" });
    expect(await socket.emitWithAck('watch', { list: 'plugins', keys: Array.from({ length: 201 }, (_, i) => `a.p${i}`) })).toEqual({
      ok: false,
      error: 'at most 200 rows may be watched at once, got 201',
    });
    expect(rows.isWatched('bob.c')).toBe(true);
    socket.emit('unwatch', { list: 'plugins' });
    await socket.emitWithAck('subscribe', 'plugins'); // a round trip: the unwatch was handled
    expect(rows.isWatched('bob.c')).toBe(false);
  });

  it('sends list notices and one output to subscribers only', async () => {
    const socket = open(alice.cookie);
    await once(socket, 'connect');
    expect(await socket.emitWithAck('subscribe', 'outputs')).toBe(true);
    expect(await socket.emitWithAck('subscribe', 'output:analysis.alice.example.types.txt')).toBe(true);
    expect(await socket.emitWithAck('subscribe', 'secrets')).toBe(false);

    const changes = { added: ['analysis.alice.example.types.txt'], removed: [], updated: [], many: false };
    const notice = once(socket, 'outputs:changed');
    publishListChanges('outputs', changes);
    expect(await notice).toEqual(changes);

    const output: OutputContent = { name: 'analysis.alice.example.types.txt', plugin: 'alice.example', bytes: 5, updatedAt: new Date(0).toISOString(), stale: false, content: 'a = 1' };
    const other: OutputContent = { ...output, name: 'analysis.alice.example.other.txt', content: 'nope' };
    // Events on one socket arrive in order: had `other` been sent, it would come first.
    const first = once<OutputContent>(socket, 'output:content');
    publishOutput(other);
    publishOutput(output);
    expect(await first).toEqual(output);
  });

  it('accepts only known topics', () => {
    expect(topicAllowed('plugins')).toBe(true);
    expect(topicAllowed('outputs')).toBe(true);
    expect(topicAllowed('output:analysis.a.b.c.txt')).toBe(true);
    expect(topicAllowed('output:../../etc')).toBe(false);
    expect(topicAllowed('admin')).toBe(false);
    expect(topicAllowed(42)).toBe(false);
  });
});
