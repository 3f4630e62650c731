/**
 * Helpers for the multi-process production tests: free ports, server nodes (`node dist/server.js`),
 * a throwaway redis-server, and a TCP proxy in front of PostgreSQL that a test can cut and restore.
 * Nothing here touches the machine's own PostgreSQL or Redis processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { vi } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SERVER = path.join(ROOT, 'dist/server.js');
/** The Node.js flags `npm start` runs the server with (package.json's start script): every node here runs as deployed. */
const START_FLAGS = /node ((?:--\S+ )*)dist\/server\.js/.exec(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start)![1].split(' ').filter(Boolean);
export const ADMIN_LOGIN = { email: 'ops@cluster.test', password: 'cluster-password-123' };

/** Why the multi-node tests cannot run here, or undefined when they can. */
export function clusterSkipReason(opts: { redisServer?: boolean } = {}): string | undefined {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) return 'set DATABASE_URL and REDIS_URL (PostgreSQL and Redis) to run the multi-node production tests';
  if (!fs.existsSync(SERVER)) return 'dist/server.js is missing: run `npm run build` first';
  if (opts.redisServer && spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed';
  return undefined;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A unique Redis prefix, so concurrent test runs sharing one Redis never see each other's counters. */
export function redisPrefix(): string {
  return `flowtest:${randomBytes(5).toString('hex')}:`;
}

/** A running server process. */
export interface Node {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output: string[];
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node dist/server.js` on a free loopback port and waits until it says where it listens. */
export async function startNode(env: Record<string, string>): Promise<Node> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-node-'));
  const proc = spawn(process.execPath, [...START_FLAGS, SERVER], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FLOW_DATA_DIR: dataDir,
      FLOW_ADMIN_EMAIL: ADMIN_LOGIN.email,
      FLOW_ADMIN_PASSWORD: ADMIN_LOGIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in 30 s:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      const m = /Console:\s+http:\/\/[^:]+:(\d+)\//.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => output.push(String(c)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** A throwaway redis-server on its own port (no persistence), stoppable and restartable on the same port. */
export async function startRedis(): Promise<{ url: string; port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  async function start() {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await vi.waitFor(
      async () => {
        if (!(await canConnect(port))) throw new Error('redis-server did not start');
      },
      { timeout: 10_000, interval: 50 },
    );
  }
  async function stop() {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A TCP proxy to `target` that a test can cut (close the listener and reset every open connection,
 * as a crashed or unreachable server would) and restore on the same port.
 */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  function listen(): Promise<void> {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      sockets.add(client);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
  }
  async function cut() {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.resetAndDestroy();
    sockets.clear();
    if (s) await new Promise((r) => s.close(r));
  }
  await listen();
  return { port, cut, restore: listen, close: cut };
}

/** A parsed JSON answer, read loosely by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads answers of many shapes
export type Json = any;

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A JSON request to a node, with a timeout, answering status, headers, body and how long it took. */
export async function call(
  base: string,
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; json: Json; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(base + url, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text, ms: performance.now() - started };
}

/** Signs in on a node; the cookie and CSRF header to send. */
export async function login(base: string, who = ADMIN_LOGIN): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(base + '/admin/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('flow_session='));
  return { cookie: cookie!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** Creates a key through the admin API of a node. */
export async function createKey(base: string, s: { cookie: string; csrf: string }, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const res = await call(base, 'POST', '/admin/v1/api-keys', {
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    body: { reference: `Cluster ${randomBytes(3).toString('hex')}`, purpose: 'flow_api', expiresOn: nextYear(), ...extra },
  });
  if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${res.text}`);
  return { id: res.json.id, key: res.json.key };
}

/** A valid expiry date: today + ~1 year. */
export function nextYear(): string {
  return new Date(Date.now() + 360 * 86_400_000).toISOString().slice(0, 10);
}
