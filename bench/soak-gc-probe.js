// Leak probe for bench/soak.js (run with --expose-gc): the production app in this process, driven in rounds
// of requests to /v1/me and the staff key list; the heap is measured after a forced full GC at the end of
// each round, so what remains is what the requests left behind. Prints a JSON line.
//   node --expose-gc bench/soak-gc-probe.js      (DATABASE_URL / REDIS_URL used when set)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { ROOT } from './lib.js';

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
const dist = (p) => import(path.join(ROOT, 'dist', p));
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');
const { SYSTEM_ACTOR } = await dist('audit/audit.service.js');

const rounds = Number(process.env.SOAK_GC_ROUNDS ?? 10);
const perRound = Number(process.env.SOAK_GC_REQUESTS ?? 6000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-soak-gc-'));
let dbName;
let base = process.env.DATABASE_URL;
if (base) {
  dbName = `flow_soakgc_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`CREATE DATABASE ${dbName}`);
  await c.end();
}
const url = base ? Object.assign(new URL(base), { pathname: `/${dbName}` }).toString() : undefined;
const config = loadConfig({
  FLOW_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ...(url ? { DATABASE_URL: url } : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, FLOW_REDIS_PREFIX: `flowsoakgc:${randomBytes(3).toString('hex')}:` } : {}),
});
const deps = await createDeps(config);
const app = await buildApp(deps);
await app.listen({ port: 0, host: '127.0.0.1' });
const port = app.server.address().port;
const env = await deps.environments.create({ slug: 'demo', name: 'Demo' });
const { key } = await deps.keys.create(env.id, { reference: 'soak', purpose: 'flow_api', expiresOn: new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10), rateLimitPerMinute: 1_000_000 }, SYSTEM_ACTOR);
await deps.staff.create({ environmentId: env.id, email: 'soak@flow.local', role: 'admin', password: 'soak-password-123' });
const login = await app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email: 'soak@flow.local', password: 'soak-password-123' } });
const cookie = `flow_session=${login.cookies.find((c) => c.name === 'flow_session').value}`;

const heaps = [];
for (let r = 0; r < rounds; r++) {
  await Promise.all([
    autocannon({ url: `http://127.0.0.1:${port}/v1/me`, amount: Math.round(perRound * 0.9), connections: 10, headers: { authorization: `Bearer ${key}` } }),
    autocannon({ url: `http://127.0.0.1:${port}/admin/v1/api-keys?limit=10`, amount: Math.round(perRound * 0.1), connections: 2, headers: { cookie } }),
  ]);
  global.gc();
  await new Promise((res) => setTimeout(res, 100));
  global.gc();
  heaps.push(process.memoryUsage().heapUsed);
}
await app.close();
await deps.close();
if (dbName) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await c.end();
}
fs.rmSync(dataDir, { recursive: true, force: true });
const mb = (b) => Math.round((b / 1048576) * 100) / 100;
// The first half of the rounds is warm-up (JIT, pools, caches settle); growth over the second half, per 10,000 requests.
const from = Math.floor(rounds / 2) - 1;
const growthPer10k = ((heaps[heaps.length - 1] - heaps[from]) / ((rounds - 1 - from) * perRound)) * 10_000;
console.log(JSON.stringify({ rounds, requestsPerRound: perRound, heapAfterGcMb: heaps.map(mb), growthKbPer10kRequests: Math.round(growthPer10k / 1024) }));
