// Soak (issue 6): sustained load for SOAK_SECONDS (default 60) at SOAK_RATE requests/s (default 400 in all),
// then a JSON summary line: errors (must be 0) and memory at the start and end of the run (should be flat).
//   npm run soak                                   # one node, embedded SQLite
//   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run soak   # two nodes sharing PostgreSQL and Redis
// 90 % of the load is /v1/me with an API key, 10 % the staff key list (/admin/v1/api-keys, a session cookie),
// spread evenly over the nodes. Memory is read from each node's /metrics every 2 s. Without forced GC a heap
// grows lazily for minutes, so a second phase (bench/soak-gc-probe.js, --expose-gc) runs the same mix in
// rounds in one process and measures the heap after a full GC each round: growth per 10,000 requests.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { ROOT, startServer } from './lib.js';

const ADMIN = { email: 'bench@flow.local', password: 'bench-password-123' };
const round = (x) => Math.round(x * 100) / 100;
const mb = (b) => round(b / 1024 / 1024);

async function freshDatabase(base) {
  const name = `flow_soak_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: base });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

async function memory(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (name) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').filter((l) => l.startsWith(name + ' ')).join('\n'))?.[2] ?? NaN);
  return { rss: get('process_resident_memory_bytes'), heap: get('nodejs_heap_size_used_bytes') };
}

function run(opts) {
  return new Promise((resolve, reject) => autocannon(opts, (err, r) => (err ? reject(err) : resolve(r))));
}

/** Runs the soak; returns the summary. */
export async function soak({ seconds = Number(process.env.SOAK_SECONDS ?? 60), rate = Number(process.env.SOAK_RATE ?? 400) } = {}) {
  const cluster = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
  const db = cluster ? await freshDatabase(process.env.DATABASE_URL) : undefined;
  const env = cluster
    ? { DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL, FLOW_REDIS_PREFIX: `flowsoak:${randomBytes(4).toString('hex')}:` }
    : { DATABASE_URL: '', REDIS_URL: '' };
  const nodes = [];
  try {
    nodes.push(await startServer(env));
    if (cluster) nodes.push(await startServer(env));
    const base = nodes[0].base;
    const login = await fetch(`${base}/admin/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('flow_session='));
    const { csrfToken } = await login.json();
    const created = await fetch(`${base}/admin/v1/api-keys`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'soak', purpose: 'flow_api', expiresOn: new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10), rateLimitPerMinute: 1_000_000 }),
    });
    const { key } = await created.json();

    const samples = nodes.map(() => []);
    const started = Date.now();
    const sample = async () => {
      for (const [i, n] of nodes.entries()) samples[i].push({ t: Date.now() - started, ...(await memory(n.base)) });
    };
    const timer = setInterval(() => void sample().catch(() => undefined), 2000);
    const perNode = rate / nodes.length;
    const results = await Promise.all(
      nodes.flatMap((n) => [
        run({ url: `${n.base}/v1/me`, duration: seconds, connections: 10, overallRate: Math.max(1, Math.round(perNode * 0.9)), headers: { authorization: `Bearer ${key}` } }),
        run({ url: `${n.base}/admin/v1/api-keys?limit=10`, duration: seconds, connections: 2, overallRate: Math.max(1, Math.round(perNode * 0.1)), headers: { cookie } }),
      ]),
    );
    clearInterval(timer);
    await sample();

    const requests = results.reduce((s, r) => s + r.requests.total, 0);
    const errors = results.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0);
    // The first quarter (at most 15 s) is warm-up: caches, JIT and pools fill. After it, compare the
    // medians of the first and last thirds so that one GC cycle does not decide the verdict.
    const warmupMs = Math.min(15_000, (seconds * 1000) / 4);
    const memoryByNode = samples.map((all) => {
      const xs = all.filter((x) => x.t >= warmupMs);
      const third = Math.max(1, Math.floor(xs.length / 3));
      const med = (arr, k) => [...arr].map((x) => x[k]).sort((a, b) => a - b)[Math.floor(arr.length / 2)];
      // The heap floor (lowest sample: just after a collection) is what a leak raises; medians also
      // move with where the sawtooth happens to be when sampled.
      const floor = (arr) => Math.min(...arr.map((x) => x.heap));
      const early = xs.slice(0, third);
      const late = xs.slice(-third);
      return {
        samples: xs.length,
        rssMbStart: mb(med(early, 'rss')),
        rssMbEnd: mb(med(late, 'rss')),
        heapMbMedianStart: mb(med(early, 'heap')),
        heapMbMedianEnd: mb(med(late, 'heap')),
        heapMbFloorStart: mb(floor(early)),
        heapMbFloorEnd: mb(floor(late)),
        heapGrowthPct: round((floor(late) / floor(early) - 1) * 100),
      };
    });
    return {
      bench: 'soak',
      mode: cluster ? '2 nodes, PostgreSQL + Redis' : '1 node, SQLite',
      cores: os.cpus().length,
      loadAverage: os.loadavg().map(round),
      seconds,
      targetRate: rate,
      achievedRps: round(requests / seconds),
      requests,
      errors,
      p99Ms: Math.max(...results.map((r) => r.latency.p99)),
      memory: memoryByNode,
      // Heap floor after warm-up within 25 % of where it started; a leak grows steadily past that.
      memoryFlat: memoryByNode.every((m) => m.heapGrowthPct < 25),
      ok: errors === 0 && memoryByNode.every((m) => m.heapGrowthPct < 25),
    };
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  }
}

/** The forced-GC leak probe in a child process. */
export function gcProbe() {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(ROOT, 'bench/soak-gc-probe.js')], { env: process.env, encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.stdout).slice(-500) };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const summary = await soak();
  const probe = gcProbe();
  // A leak of even 100 bytes per request shows as ~1,000 KB per 10,000 requests.
  const flatAfterGc = typeof probe.growthKbPer10kRequests === 'number' && probe.growthKbPer10kRequests < 200;
  console.log(JSON.stringify({ ...summary, gcProbe: probe, memoryFlat: flatAfterGc, ok: summary.errors === 0 && flatAfterGc }));
}
