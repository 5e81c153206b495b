/**
 * many_plugins_at_rest: what a fleet of small plugins costs the server when
 * there is little to do. Five users deploy plugins through the API (ticker
 * 5 s, five matchers that each select a few per cent of the built-in sample
 * stream at 100 msg/s); then, with one Plugins viewer and one Dashboards
 * viewer connected over socket.io, the whole server process is measured for
 * a while: CPU share of one core (user+sys of every thread, from /proc),
 * resident memory, and what the viewers were pushed.
 *
 * The same-run baseline is the same server with 10 plugins: at rest the
 * cost should follow the work (messages matched, outputs that change, rows
 * a viewer looks at), not the number of plugins deployed.
 *
 * Deploys skip Test Plugin (the proof it hands back is made here with the
 * server's AUTH_SECRET, as lib/plugins.ts makes it): what is timed is the
 * POST /api/plugins a user waits for after testing, not a thousand tests.
 *
 * Also exports the fleet helpers portal-at-scale.ts uses.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../../scripts/server-process';
import type { Figure } from '../figure';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SMALL_FLEET = 10;
export const LARGE_FLEET = Number(process.env.BENCH_FLEET ?? 1000);
const USERS = ['ann', 'ben', 'cat', 'dan', 'eve'];
/** Each selects 0.5-6% of the sample stream (see engine/inputs/sample-messages.ts). */
const MATCHERS = [
  "Type == 'error'",
  "Type == 'metric' && Fields[name] == 'cpu.idle'",
  "Type == 'telemetry' && Fields[docType] == 'crash'",
  "Type == 'nginx.access' && Fields[status] >= 500",
  "Type == 'telemetry' && Fields[docType] == 'new-profile'",
];
const SOURCE = 'var n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() { inject_payload("txt", "count", n); }\n';
const SETTLE_MS = 8_000;
const MEASURE_MS = Number(process.env.BENCH_REST_MS ?? 30_000);
const PAGE = 50;

export interface Fleet {
  server: ServerProcess;
  base: string;
  dataDir: string;
  /** Session cookie per user namespace. */
  cookies: Map<string, string>;
  /** Milliseconds each deploy took, in order. */
  deployMs: number[];
  stop(): Promise<void>;
}

export function buildPortal(): void {
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-if-needed.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the production build failed');
}

/** A fresh production server with `count` plugins deployed through the API, five users round robin. */
export async function startFleet(count: number, options: { concurrency?: number } = {}): Promise<Fleet> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'foresight-bench-fleet-'));
  const port = await sparePort();
  const secret = randomBytes(16).toString('hex');
  process.env.AUTH_SECRET = secret;
  const server = await startServerProcess({ port, dataDir });
  const fleet: Fleet = {
    server,
    base: `http://localhost:${port}`,
    dataDir,
    cookies: new Map(),
    deployMs: [],
    stop: async () => {
      await stopServerProcess(server);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    for (const u of USERS) fleet.cookies.set(u, await sessionCookie(dataDir, u));
    const { pluginDefinitionSchema } = await import('../../lib/validations/plugin');
    const { testProof } = await import('../../lib/plugins');
    const deployOne = async (i: number) => {
      const owner = USERS[i % USERS.length];
      const definition = pluginDefinitionSchema.parse({
        name: `p${String(i).padStart(4, '0')}`,
        matcher: MATCHERS[i % MATCHERS.length],
        source: SOURCE,
        config: { ticker_interval: 5, preserve_data: false, user: {} },
      });
      const t0 = performance.now();
      const res = await fetch(`${fleet.base}/api/plugins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: fleet.cookies.get(owner)! },
        body: JSON.stringify({ ...definition, deployProof: testProof(owner, definition) }),
      });
      const took = performance.now() - t0;
      if (!res.ok) throw new Error(`deploying plugin ${i} failed: ${res.status} ${await res.text()}`);
      fleet.deployMs[i] = took;
    };
    const concurrency = options.concurrency ?? 1;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await deployOne(next++);
      }),
    );
    return fleet;
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}

/** A signed-in user made the way the sign-in does it: a User row and a Session row in the server's database. */
async function sessionCookie(dataDir: string, namespace: string): Promise<string> {
  const { createDb } = await import('../../lib/db');
  const db = createDb(`file:${path.join(dataDir, 'foresight.db')}`);
  try {
    const user = await db.user.create({ data: { email: `${namespace}@example.com`, name: namespace, namespace } });
    const sessionToken = randomBytes(16).toString('hex');
    await db.session.create({ data: { sessionToken, userId: user.id, expires: new Date(Date.now() + 86_400_000) } });
    return `authjs.session-token=${sessionToken}`;
  } finally {
    await db.$disconnect();
  }
}

/** User+system CPU seconds of every thread of the process, and its resident memory in MiB. */
export function processUsage(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMiB: rssKiB / 1024 };
}

/** A page viewer as a socket.io client: watches the first page's rows, as the Plugins or Dashboards page does, and counts what arrives. */
export class SocketViewer {
  bytes = 0;
  readonly rowsPushed = new Set<string>();
  private socket: Socket | undefined;

  constructor(
    private readonly fleet: Fleet,
    private readonly list: 'plugins' | 'outputs',
  ) {}

  async open(user: string): Promise<void> {
    const cookie = this.fleet.cookies.get(user)!;
    const page = await (await fetch(`${this.fleet.base}/api/${this.list}?limit=${PAGE}`, { headers: { cookie } })).json();
    const rows = page[this.list] as { id?: string; name?: string }[];
    const keys = rows.map((r) => (this.list === 'plugins' ? r.id! : r.name!));
    const socket = connect(this.fleet.base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    socket.io.engine.on('packet', (packet: { data?: unknown }) => {
      if (typeof packet.data === 'string') this.bytes += Buffer.byteLength(packet.data);
    });
    socket.on(`${this.list}:delta`, (delta: { updated: { id?: string; name?: string }[]; removed: string[] }) => {
      for (const r of delta.updated) this.rowsPushed.add(r.id ?? r.name ?? '');
    });
    await socket.emitWithAck('subscribe', this.list);
    const answer = await socket.emitWithAck('watch', { list: this.list, keys });
    if (!answer.ok) throw new Error(`watch refused: ${answer.error}`);
  }

  reset(): void {
    this.bytes = 0;
    this.rowsPushed.clear();
  }

  close(): void {
    this.socket?.close();
  }
}

interface RestFigures {
  cpuShare: number;
  rssMiB: number;
  deployMs: number;
  pluginsBytesPerS: number;
  outputsBytesPerS: number;
  rowsPushed: number;
}

async function measureAtRest(count: number): Promise<RestFigures> {
  const fleet = await startFleet(count);
  const viewers = [new SocketViewer(fleet, 'plugins'), new SocketViewer(fleet, 'outputs')];
  try {
    // Every plugin has ticked at least once, so every output exists.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (const v of viewers) await v.open('ann');
    await new Promise((r) => setTimeout(r, 2_000));
    for (const v of viewers) v.reset();
    const pid = fleet.server.child.pid!;
    const before = processUsage(pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    const after = processUsage(pid);
    const seconds = (performance.now() - t0) / 1000;
    const last = fleet.deployMs.slice(-10).sort((a, b) => a - b);
    return {
      cpuShare: (100 * (after.cpuSeconds - before.cpuSeconds)) / seconds,
      rssMiB: after.rssMiB,
      deployMs: last[Math.floor(last.length / 2)],
      pluginsBytesPerS: viewers[0].bytes / seconds,
      outputsBytesPerS: viewers[1].bytes / seconds,
      rowsPushed: viewers[0].rowsPushed.size,
    };
  } finally {
    for (const v of viewers) v.close();
    await fleet.stop();
  }
}

export async function run(): Promise<Figure[]> {
  buildPortal();
  const small = await measureAtRest(SMALL_FLEET);
  const large = await measureAtRest(LARGE_FLEET);
  const n = LARGE_FLEET;
  return [
    {
      name: 'many_plugins_at_rest.cpu_share',
      unit: '% core',
      value: large.cpuShare,
      baseline: small.cpuShare,
      target: 10,
      note: `whole server process (all threads), ${MEASURE_MS / 1000} s at rest with ${n} plugins (ticker 5 s, sample stream 100 msg/s); baseline: ${SMALL_FLEET} plugins`,
    },
    {
      name: 'many_plugins_at_rest.rss',
      unit: 'MiB',
      value: large.rssMiB,
      baseline: small.rssMiB,
      note: `server RSS with ${n} plugins; baseline: ${SMALL_FLEET} plugins`,
    },
    {
      name: 'many_plugins_at_rest.deploy',
      unit: 'ms',
      value: large.deployMs,
      baseline: small.deployMs,
      target: small.deployMs * 1.5,
      note: `POST /api/plugins, median of the last 10 deploys up to ${n} plugins; baseline: median of the first ${SMALL_FLEET}; target 1.5x baseline`,
    },
    {
      name: 'many_plugins_at_rest.plugins_push',
      unit: 'B/s',
      value: large.pluginsBytesPerS,
      baseline: small.pluginsBytesPerS,
      note: `one Plugins viewer (socket.io, first page of ${PAGE}) at rest; ${large.rowsPushed} distinct rows pushed (at most the page's ${PAGE}); baseline: ${SMALL_FLEET} plugins (${small.rowsPushed} rows)`,
    },
    {
      name: 'many_plugins_at_rest.dashboards_push',
      unit: 'B/s',
      value: large.outputsBytesPerS,
      baseline: small.outputsBytesPerS,
      note: `one Dashboards viewer (socket.io, first page of ${PAGE}) at rest; baseline: ${SMALL_FLEET} plugins`,
    },
  ];
}

export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
