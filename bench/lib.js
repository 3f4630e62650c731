// Shared helpers for the benchmarks: start a real server on loopback, drive it with autocannon.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `node dist/server.js` with its own data dir; resolves when /health answers. */
export async function startServer(extraEnv = {}, nodeArgs = []) {
  const port = await freePort();
  const dataDir = extraEnv.FLOW_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-'));
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    FLOW_DATA_DIR: dataDir,
    FLOW_ADMIN_EMAIL: 'bench@flow.local',
    FLOW_ADMIN_PASSWORD: 'bench-password-123',
    FLOW_RATE_LIMIT_PER_MINUTE: '1000000000',
    LOG_LEVEL: 'warn',
    // As deployed: React's development build renders the checkout pages many times slower.
    NODE_ENV: 'production',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist/server.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  // Up to 60 s: on a loaded shared machine a start can take well over 10 s. Fail loudly rather than bench a dead server.
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? code));
  let up = false;
  for (let i = 0; i < 1200 && !up && exited === null; i++) {
    try {
      up = (await fetch(`${base}/health`)).ok;
    } catch {
      /* not up yet */
    }
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(exited === null ? `the server on ${base} did not answer /health within 60 s` : `the server exited (${exited}) before answering /health`);
  }
  return {
    base,
    port,
    dataDir,
    env,
    child,
    /** Runs the flow CLI against the same store. */
    flow(args) {
      return execFileSync(process.execPath, [path.join(ROOT, 'bin/flow.js'), ...args], { env: { ...env, LOG_LEVEL: 'silent' } }).toString();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Runs autocannon and returns requests/s, p99 latency (ms) and non-2xx count. */
export async function load(url, { connections = 50, duration = 8, headers = {}, overallRate } = {}) {
  const r = await autocannon({ url, connections, duration, headers, pipelining: 1, ...(overallRate ? { overallRate } : {}) });
  return { rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/** Times `fn` for about `ms` milliseconds and returns operations per second. */
export async function opsPerSecond(fn, ms = 1500) {
  for (let i = 0; i < 20000; i++) await fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

/** A new, empty PostgreSQL database next to `base` (a postgres:// URL); `drop()` removes it. */
export async function freshPostgres(base) {
  const name = `flow_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Starts a floor server (bench/floor-server.js) of `spec.kind` as its own process; resolves with its base URL and stop(). */
export async function startFloor(spec, nodeArgs = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-floor-'));
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bench/floor-server.js'), file], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`the ${spec.kind} floor exited with ${code}`)));
  });
  return {
    base: JSON.parse(line).base,
    async stop() {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Alternating rounds of `a` and `b` (autocannon options each: { url, headers }), so load from anything else
 * on the machine hits both alike. Returns each side's mean rps, the median ratio a ÷ b, every ratio, and errors.
 */
export async function sideBySide(a, b, { rounds = 4, seconds = 4, connections = 50, warmup = 2 } = {}) {
  await load(a.url, { duration: warmup, connections, headers: a.headers });
  await load(b.url, { duration: warmup, connections, headers: b.headers });
  const ratios = [];
  let aSum = 0;
  let bSum = 0;
  let aP99 = 0;
  let errors = 0;
  for (let i = 0; i < rounds; i++) {
    const ra = await load(a.url, { duration: seconds, connections, headers: a.headers });
    const rb = await load(b.url, { duration: seconds, connections, headers: b.headers });
    ratios.push(ra.rps / rb.rps);
    aSum += ra.rps;
    bSum += rb.rps;
    aP99 = Math.max(aP99, ra.p99);
    errors += ra.errors + ra.non2xx + rb.errors + rb.non2xx;
  }
  ratios.sort((x, y) => x - y);
  const r3 = (x) => Math.round(x * 1000) / 1000;
  return {
    aRps: Math.round(aSum / rounds),
    bRps: Math.round(bSum / rounds),
    ratio: r3((ratios[Math.floor((rounds - 1) / 2)] + ratios[Math.ceil((rounds - 1) / 2)]) / 2),
    ratios: ratios.map(r3),
    aP99Ms: aP99,
    errors,
  };
}
