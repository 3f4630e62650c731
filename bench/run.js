// npm run bench: every benchmark, ratios measured side by side in one run. Prints tables, the bars, and
// one JSON summary line. With DATABASE_URL and REDIS_URL set it adds the PostgreSQL import and the
// multi-node measurements.
import os from 'node:os';
import { checkoutBench } from './checkout.js';
import { runImportBench } from './import.js';
import { httpBench, verifyBench } from './keys.js';
import { multinodeBench } from './multinode.js';
import { webhooksBench } from './webhooks.js';

const results = {};
const bars = [];
const check = (name, value, op, bar) => bars.push({ name, value, bar: `${op} ${bar}`, ok: op === '>=' ? value >= bar : value <= bar });
const section = async (title, fn) => {
  console.log(`\n— ${title} —`);
  const r = await fn();
  console.table(r);
  return r;
};

// Single-node figures use the default setup (embedded SQLite, in-process limits): DATABASE_URL and
// REDIS_URL are hidden until the PostgreSQL and multi-node parts.
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

console.log(`FLOW benchmarks on ${os.cpus().length} cores (load generator and servers share them), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

results.verify = await section('issue 2 (b): key verification in process', verifyBench);
check('(b) cached valid key verifications/s', results.verify.cachedValidPerSec, '>=', 300000);
check('(b) malformed key verifications/s', results.verify.malformedPerSec, '>=', 1000000);
check('(b) store look-ups for an unknown key per cache period', results.verify.storeLookupsForUnknownKey, '<=', 1);

results.http = await section('issue 2 (a)(c): /v1/me vs /health, one server, 50 connections', () => httpBench());
check('(a) /v1/me rps ÷ /health rps (median of rounds)', results.http.ratio, '>=', 0.85);
check('(c) /v1/me p99 ms at 2,000 requests/s', results.http.meP99MsAt2000PerSecond, '<=', 5);

results.importSqlite = await section('issue 4: 100,000-row CSV import (SQLite) and GET /v1/members?limit=100 vs /health', () => runImportBench({ rows: 100_000 }));
check('import rows/s, SQLite', results.importSqlite.rowsPerSecond, '>=', 20000);
results.checkout = await section('issue 5: hosted checkout page vs /health, one server', () => checkoutBench({ duration: 8 }));
results.webhooks = await section('issue 12: /v1/me during a 1,000-delivery backlog to a slow (2 s) receiver vs quiet, one server, 50 connections', () => webhooksBench());
check('/v1/me rps during webhook burst ÷ quiet (median of rounds)', results.webhooks.ratio, '>=', 0.8);

if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
if (redisUrl) process.env.REDIS_URL = redisUrl;
if (databaseUrl) {
  results.importPostgres = await section('issue 4: 100,000-row CSV import (PostgreSQL)', () => runImportBench({ rows: 100_000, list: false }));
  check('import rows/s, PostgreSQL', results.importPostgres.rowsPerSecond, '>=', 10000);
}

results.multinode = await section('issue 6: two nodes vs one, Redis limiter on vs off, revocation propagation', () => multinodeBench());
if (!results.multinode.skipped) check('revocation propagation ms (max)', results.multinode.revocationPropagationMs.afterRevokeAnswered.max, '<=', 1000);

console.log('\nBars:');
console.table(bars);
console.log(JSON.stringify({ results, bars }));
