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

/**
 * The Node.js flags `npm start` runs the server with (read from package.json's start script): every server the
 * bench starts, product and floor alike, runs with them, as deployed. (`--max-semi-space-size=16`: Node.js 24
 * lets the young generation grow to 128 MB on this machine, which took a 1,000,000-row import from 230 to
 * 334 MB of RSS; 16 is Node.js 20's default.)
 */
export const SERVER_NODE_ARGS = /node ((?:--\S+ )*)dist\/server\.js/.exec(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start)[1].split(' ').filter(Boolean);

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

/** Starts `node dist/server.js` (or `script`, relative to the root) with its own data dir; resolves when /health answers. */
export async function startServer(extraEnv = {}, nodeArgs = [], script = 'dist/server.js') {
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
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, ...nodeArgs, path.join(ROOT, script)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
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
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, ...nodeArgs, path.join(ROOT, 'bench/floor-server.js'), file], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
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
    pid: child.pid,
    async stop() {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** The server's CPU per request (µs) over exactly `amount` requests: robust to whatever else runs on the machine. */
export async function cpuPerRequest(pid, url, { amount = 20000, connections = 50, headers = {} } = {}) {
  const before = cpuMs(pid);
  const r = await autocannon({ url, amount, connections, headers, pipelining: 1 });
  const cpu = cpuMs(pid) - before;
  if (r.non2xx + r.errors + r.timeouts > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return Math.round((cpu / r.requests.total) * 1e3 * 10) / 10;
}

const r3 = (x) => Math.round(x * 1000) / 1000;
export const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};

/**
 * Loads each target in turn, round after round (alternating short rounds, so load from anything else on the
 * machine hits every side alike). `targets`: { name: target | target[] } with target { url, headers?, pid? }.
 * A side given as several targets is several server processes of the same build: identical processes on a
 * shared machine differ by up to ±25 % in CPU a request (optimiser state, cache placement), so a side's figure
 * in a round is the median over its processes, not one process's luck. Returns, per side, its mean rps, worst
 * p99, errors and (with pids) the median over its processes of each one's median CPU µs a request; `ratio(a,
 * b)` is the median over rounds of a's rps ÷ b's rps in the same round.
 */
export async function alternate(targets, { rounds = 4, seconds = 4, connections = 50, warmup = 2 } = {}) {
  const names = Object.keys(targets);
  const sides = Object.fromEntries(names.map((n) => [n, [targets[n]].flat()]));
  const width = Math.max(...names.map((n) => sides[n].length));
  for (const n of names) for (const t of sides[n]) await load(t.url, { duration: warmup, connections, headers: t.headers });
  // runs[name][round][process]
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    for (const n of names) runs[n].push([]);
    // Process j of every side, then process j + 1 of every side: the sides stay interleaved within a round.
    for (let j = 0; j < width; j++) {
      for (const n of names) {
        const t = sides[n][j];
        if (!t) continue;
        const before = t.pid ? cpuMs(t.pid) : undefined;
        const r = await load(t.url, { duration: seconds, connections, headers: t.headers });
        const after = t.pid ? cpuMs(t.pid) : undefined;
        runs[n][i].push({ ...r, cpuUsPerRequest: before === undefined || after === undefined ? undefined : ((after - before) * 1000) / (r.rps * seconds) });
      }
    }
  }
  const roundRps = (n, i) => median(runs[n][i].map((r) => r.rps));
  const summary = Object.fromEntries(
    names.map((n) => {
      const all = runs[n].flat();
      const perProcess = sides[n].map((_, j) => runs[n].map((round) => round[j].cpuUsPerRequest).filter((x) => x !== undefined)).filter((xs) => xs.length);
      const cpuEach = perProcess.map(median);
      return [
        n,
        {
          rps: Math.round(all.reduce((a, r) => a + r.rps, 0) / all.length),
          p99Ms: Math.max(...all.map((r) => r.p99)),
          errors: all.reduce((a, r) => a + r.errors + r.non2xx, 0),
          cpuUsPerRequest: cpuEach.length ? Math.round(median(cpuEach) * 10) / 10 : undefined,
          ...(cpuEach.length > 1 ? { cpuUsPerRequestEachProcess: cpuEach.map((x) => Math.round(x * 10) / 10) } : {}),
        },
      ];
    }),
  );
  return {
    summary,
    /** Median over rounds of a ÷ b (each side's median over its processes in that round), and every round's ratio. */
    ratio(a, b) {
      const each = runs[a].map((_, i) => roundRps(a, i) / roundRps(b, i));
      return { ratio: r3(median(each)), rounds: each.map(r3) };
    },
  };
}

/** Two targets ({ url, headers? }) side by side through `alternate`: a's and b's mean rps, the median ratio a ÷ b, a's worst p99, errors. */
export async function sideBySide(a, b, opts) {
  const run = await alternate({ a, b }, opts);
  const r = run.ratio('a', 'b');
  return { aRps: run.summary.a.rps, bRps: run.summary.b.rps, ratio: r.ratio, ratios: r.rounds, aP99Ms: run.summary.a.p99Ms, errors: run.summary.a.errors + run.summary.b.errors };
}
