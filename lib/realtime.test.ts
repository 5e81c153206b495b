import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpTestDatabase, signedInUser, type TestUser } from './testing/api-harness';
import { attachRealtime, publishOutput, publishPluginStats, topicAllowed } from './realtime';
import type { OutputContent, PluginStats } from './engine';

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

  it('pushes plugin stats and one output to subscribers only', async () => {
    const socket = open(alice.cookie);
    await once(socket, 'connect');
    expect(await socket.emitWithAck('subscribe', 'plugins')).toBe(true);
    expect(await socket.emitWithAck('subscribe', 'output:analysis.alice.example.types.txt')).toBe(true);
    expect(await socket.emitWithAck('subscribe', 'secrets')).toBe(false);

    const stats: PluginStats[] = [{ id: 'alice.example', state: 'running', processed: 3, rate: 1, failures: 0, memoryBytes: 10, maxMemoryBytes: 20, avgProcessNs: 5, avgTimerNs: 6 }];
    const gotStats = once<PluginStats[]>(socket, 'plugins:stats');
    publishPluginStats(stats);
    expect(await gotStats).toEqual(stats);

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
