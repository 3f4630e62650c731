// npm run bench: every benchmark, each product figure beside its floor (the least a server on this stack can
// do for the same work) in the same run. Prints each section, the table of ratios with their goals, and one
// JSON summary line. With DATABASE_URL set it adds the PostgreSQL import; with REDIS_URL too, the multi-node
// measurements. BENCH_MILLION=0 skips the 1,000,000-row memory run (about two minutes).
import os from 'node:os';
import { checkoutBench } from './checkout.js';
import { runImportBench } from './import.js';
import { httpBench, verifyBench } from './keys.js';
import { membersBench } from './members.js';
import { multinodeBench } from './multinode.js';
import { webhooksBench } from './webhooks.js';

const results = {};
const table = [];
/** One row of the table: `value` against `goal` (`>= x` or `<= x`; no goal: shown for reference). */
const row = (measurement, value, op, goal) => table.push({ measurement, value, goal: op ? `${op} ${goal}` : '—', met: op === undefined ? '' : (op === '>=' ? value >= goal : value <= goal) ? 'yes' : 'NO' });
const section = async (title, fn) => {
  console.log(`\n— ${title} —`);
  const r = await fn();
  console.log(r);
  return r;
};

// Single-node figures use the default setup (embedded SQLite, in-process limits): DATABASE_URL and
// REDIS_URL are hidden until the PostgreSQL and multi-node parts.
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

console.log(`FLOW benchmarks, Node.js ${process.version}, on ${os.cpus().length} cores (load generator and servers share them), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

results.http = await section('/v1/me: product (logs at info, limiter on) vs floor, with logs silent, with the limiter off; 50 connections', () => httpBench());
row('/v1/me ÷ floor (default config; floor: the contract minimum)', results.http.ratio, '>=', 0.8);
row('/v1/me ÷ bare floor (RateLimit-* and X-Request-Id constant, no checksum, expiry or counting)', results.http.bareFloorRatio);
row('floor (contract minimum) ÷ bare floor', results.http.floorVsBareFloor);
row('/v1/me ÷ floor, LOG_LEVEL=silent', results.http.silentVsFloor);
row('/v1/me, rate limiter on ÷ off', results.http.limiterOnVsOff, '>=', 0.95);
row("/v1/me, the product's app with its own work stubbed ÷ floor", results.http.frameworkVsFloor);
row("/v1/me ÷ the product's app with its own work stubbed", results.http.productVsFramework);
row('/v1/me p99 ms at 2,000 requests/s', results.http.meP99MsAt2000PerSecond, '<=', 5);

results.verify = await section('key verification in process', verifyBench);
row('cached valid key verifications/s (in process)', results.verify.cachedValidPerSec, '>=', 300000);

// One call runs the product on SQLite, the raw better-sqlite3 floor and (with DATABASE_URL) the product on
// PostgreSQL, from the same file.
if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
results.importSqlite = await section('100,000-row CSV import: SQLite vs raw better-sqlite3 doing the same writes (and PostgreSQL with DATABASE_URL)', () => runImportBench({ rows: 100_000, rounds: 3 }));
delete process.env.DATABASE_URL;
row('import ÷ raw better-sqlite3 (100,000 rows)', results.importSqlite.ratioToFloor, '>=', 0.6);
if (results.importSqlite.postgresToSqlite !== undefined) row('import on PostgreSQL ÷ on SQLite', results.importSqlite.postgresToSqlite, '>=', 0.6);
else console.log('\n(PostgreSQL import skipped: set DATABASE_URL to run it)');

if (process.env.BENCH_MILLION !== '0') {
  results.importMillion = await section('1,000,000-row CSV import (SQLite): peak server memory', () => runImportBench({ rows: 1_000_000, floor: false }));
  row('1,000,000-row import, server peak RSS MB', results.importMillion.serverPeakRssMb, '<=', 300);
}

results.members = await section('GET /v1/members?limit=100 vs floor (one prepared SELECT, JSON.stringify)', () => membersBench());
row('GET /v1/members?limit=100 ÷ floor', results.members.ratio, '>=', 0.5);

results.checkout = await section('hosted checkout page vs floor (bare Fastify sending the same HTML)', () => checkoutBench());
row('checkout page ÷ floor', results.checkout.ratio, '>=', 0.5);

results.webhooks = await section('/v1/me during a 1,000-delivery backlog to a slow (2 s) receiver vs quiet, one server', () => webhooksBench());
row('/v1/me during a webhook backlog ÷ quiet', results.webhooks.ratio, '>=', 0.8);

if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
if (redisUrl) process.env.REDIS_URL = redisUrl;
results.multinode = await section('two nodes vs one, Redis limiter on vs off, revocation propagation', () => multinodeBench());
if (!results.multinode.skipped) row('revocation propagation ms (max)', results.multinode.revocationPropagationMs.afterRevokeAnswered.max, '<=', 1000);

console.log('\nRatios and goals (each product figure measured beside its floor in this run):');
console.table(table);
console.log(JSON.stringify({ node: process.version, results, table }));
