// npm run bench: every benchmark, ratios measured side by side in one run. Prints a table and a JSON summary.
import { httpBench, verifyBench } from './keys.js';

const results = {};
const bars = [];
const check = (name, value, op, bar) => bars.push({ name, value, bar: `${op} ${bar}`, ok: op === '>=' ? value >= bar : value <= bar });

console.log('FLOW benchmarks (2-core machine; load generator and server share it)\n');

console.log('— key verification, in process —');
results.verify = await verifyBench();
console.table(results.verify);
check('(b) cached valid key verifications/s', results.verify.cachedValidPerSec, '>=', 300000);
check('(b) malformed key verifications/s', results.verify.malformedPerSec, '>=', 1000000);
check('(b) store look-ups for an unknown key per cache period', results.verify.storeLookupsForUnknownKey, '<=', 1);

console.log('— /v1/me vs /health, one server, 50 connections —');
results.http = await httpBench();
console.table(results.http);
check('(a) /v1/me rps ÷ /health rps', results.http.ratio, '>=', 0.85);
check('(c) /v1/me p99 ms (50 connections)', results.http.meP99Ms50Connections, '<=', 5);

console.log('\nBars:');
console.table(bars);
console.log(JSON.stringify({ results, bars }));
