// Multi-node benchmark (issue 6). Needs DATABASE_URL (PostgreSQL) and REDIS_URL; prints a JSON summary line.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 node bench/multinode.js
// Optional: BENCH_SECONDS (per measurement, default 8), BENCH_CONNECTIONS (default 50), BENCH_REVOCATIONS (default 20).
// Measures, on one machine (so the nodes, PostgreSQL, Redis and the load generator share its cores):
//   - /v1/me requests/s with 2 nodes ÷ with 1 node (same key, same store, load split evenly);
//   - rate-limiter overhead: /v1/me requests/s with the Redis limiter ÷ without it (bench-only server),
//     and the same with the in-process limiter on one node without Redis (embedded SQLite);
//   - revocation propagation: revoke on node A → first refusal on node B (ms).
// Exported as multinodeBench() for bench/run.js.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freshPostgres, load, ROOT, SERVER_NODE_ARGS, startServer } from './lib.js';

const ADMIN = { email: 'bench@flow.local', password: 'bench-password-123' };

async function login(base) {
  const res = await fetch(`${base}/admin/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('flow_session='));
  return { cookie, csrf: (await res.json()).csrfToken };
}

async function adminCall(base, s, method, url, body) {
  const res = await fetch(base + url, {
    method,
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const expires = () => new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);

async function startNoLimitServer(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, path.join(ROOT, 'bench/stubbed-server.js')], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', FLOW_BENCH_STUB: 'limiter' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base, stop: async () => (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))) };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: round(q(0.5)), p95: round(q(0.95)), max: round(s[s.length - 1]) };
}
const round = (x) => Math.round(x * 100) / 100;

/** Runs the multi-node measurements; returns the summary (or { skipped }). */
export async function multinodeBench({ seconds = Number(process.env.BENCH_SECONDS ?? 8), connections = Number(process.env.BENCH_CONNECTIONS ?? 50), revocations = Number(process.env.BENCH_REVOCATIONS ?? 20) } = {}) {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) return { bench: 'multinode', skipped: 'set DATABASE_URL and REDIS_URL' };
  const db = await freshPostgres(process.env.DATABASE_URL);
  const env = { DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL, FLOW_REDIS_PREFIX: `flowbench:${randomBytes(4).toString('hex')}:`, FLOW_RATE_LIMIT_PER_MINUTE: '' };
  const stops = [];
  try {
    const a = await startServer(env);
    stops.push(a);
    const s = await login(a.base);
    // A real limit, high enough never to trigger: the limiter counts every request in Redis.
    const key = (await adminCall(a.base, s, 'POST', '/admin/v1/api-keys', { reference: 'bench', purpose: 'flow_api', expiresOn: expires(), rateLimitPerMinute: 1_000_000 })).key;
    const headers = { authorization: `Bearer ${key}` };
    const me = (base, c = connections) => load(`${base}/v1/me`, { duration: seconds, connections: c, headers });

    await load(`${a.base}/v1/me`, { duration: 2, connections, headers }); // warm-up
    const one = await me(a.base);

    const b = await startServer(env);
    stops.push(b);
    await load(`${b.base}/v1/me`, { duration: 2, connections, headers });
    const [twoA, twoB] = await Promise.all([me(a.base, Math.ceil(connections / 2)), me(b.base, Math.floor(connections / 2))]);

    // Revocation propagation: revoke on A, poll B until it refuses.
    const fromResponse = [];
    const fromRequest = [];
    for (let i = 0; i < revocations; i++) {
      const k = await adminCall(a.base, s, 'POST', '/admin/v1/api-keys', { reference: `prop ${i}`, purpose: 'flow_api', expiresOn: expires() });
      const h = { authorization: `Bearer ${k.key}` };
      if ((await fetch(`${b.base}/v1/me`, { headers: h })).status !== 200) throw new Error('warm-up on B failed');
      const t0 = performance.now();
      await adminCall(a.base, s, 'POST', `/admin/v1/api-keys/${k.id}/revoke`);
      const t1 = performance.now();
      for (;;) {
        if ((await fetch(`${b.base}/v1/me`, { headers: h })).status === 401) break;
        if (performance.now() - t1 > 5000) throw new Error('not propagated in 5 s');
      }
      const t2 = performance.now();
      fromRequest.push(t2 - t0);
      fromResponse.push(t2 - t1);
    }
    await b.stop();
    stops.pop();

    // Limiter overhead, back to back on one node: the real server, then the bench-only one without counting.
    const withLimiter = await me(a.base);
    const c = await startNoLimitServer(env);
    stops.push(c);
    await load(`${c.base}/v1/me`, { duration: 2, connections, headers });
    const withoutLimiter = await me(c.base);

    await c.stop();
    stops.pop();
    await a.stop();
    stops.pop();

    // The same pair on one node without Redis (embedded SQLite, in-process counters), for contrast.
    const solo = await startServer({ DATABASE_URL: '', REDIS_URL: '', FLOW_RATE_LIMIT_PER_MINUTE: '' });
    stops.push(solo);
    const ss = await login(solo.base);
    const soloKey = (await adminCall(solo.base, ss, 'POST', '/admin/v1/api-keys', { reference: 'bench', purpose: 'flow_api', expiresOn: expires(), rateLimitPerMinute: 1_000_000 })).key;
    const soloHeaders = { authorization: `Bearer ${soloKey}` };
    await load(`${solo.base}/v1/me`, { duration: 2, connections, headers: soloHeaders });
    const memOn = await load(`${solo.base}/v1/me`, { duration: seconds, connections, headers: soloHeaders });
    const soloOff = await startNoLimitServer({ DATABASE_URL: '', REDIS_URL: '', FLOW_DATA_DIR: solo.dataDir });
    stops.push(soloOff);
    await load(`${soloOff.base}/v1/me`, { duration: 2, connections, headers: soloHeaders });
    const memOff = await load(`${soloOff.base}/v1/me`, { duration: seconds, connections, headers: soloHeaders });

    const twoRps = twoA.rps + twoB.rps;
    return {
      bench: 'multinode',
      cores: os.cpus().length,
      loadAverage: os.loadavg().map(round),
      seconds,
      connections,
      oneNodeRps: Math.round(one.rps),
      twoNodesRps: Math.round(twoRps),
      twoOverOne: round(twoRps / one.rps),
      oneNodeP99Ms: one.p99,
      twoNodesP99Ms: Math.max(twoA.p99, twoB.p99),
      limiterOnRps: Math.round(withLimiter.rps),
      limiterOffRps: Math.round(withoutLimiter.rps),
      limiterOnOverOff: round(withLimiter.rps / withoutLimiter.rps),
      inProcessLimiterOnRps: Math.round(memOn.rps),
      inProcessLimiterOffRps: Math.round(memOff.rps),
      inProcessLimiterOnOverOff: round(memOn.rps / memOff.rps),
      revocationPropagationMs: { afterRevokeAnswered: stats(fromResponse), fromRevokeSent: stats(fromRequest), samples: revocations },
      errors: [one, twoA, twoB, withLimiter, withoutLimiter, memOn, memOff].reduce((n, r) => n + r.errors + r.non2xx, 0),
    };
  } finally {
    for (const x of stops.reverse()) await x.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const summary = await multinodeBench();
  console.log(JSON.stringify(summary));
}
