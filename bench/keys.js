// Key verification benchmarks: /v1/me against its floor (and with logs silent, and the limiter off), p99 of
// /v1/me at 2,000 requests/s, and in-process verifications/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alternate, load, opsPerSecond, ROOT, startFloor, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/** Response headers the floor must send too: the contract's security, rate-limit and request-id headers. */
const CONTRACT_HEADERS = /^(content-security-policy|cross-origin-|permissions-policy|referrer-policy|x-content-type-options|x-frame-options|strict-transport-security|ratelimit-|x-request-id)/;

/**
 * /v1/me against its floor, side by side in one run, 50 connections, alternating rounds:
 * - product: the default configuration (logs at info, in-process rate limiter on), a cached key;
 * - product with LOG_LEVEL=silent, and product with the limiter's counting off (bench/stubbed-server.js, FLOW_BENCH_STUB=limiter);
 * - the product's app with its own per-request work replaced by the floor's (bench/stubbed-server.js, FLOW_BENCH_STUB=work): what the
 *   framework set-up of the whole application (options, plugins, hooks, ~120 routes) costs on its own;
 * - floor (bench/floor-server.js): bare Fastify, no logger, SHA-256 of the key and one Map look-up, the same
 *   body. It also sends the same contract headers (security headers, RateLimit-*, X-Request-Id) as constant
 *   strings: without them the floor does less than the contract requires (they cost a bare server ~15 %).
 * p99 is also measured at a steady 2,000 requests/s (the latency a caller sees when the node is not overloaded).
 */
export async function httpBench({ rounds = 4, seconds = 4 } = {}) {
  const product = await startServer({ LOG_LEVEL: 'info' });
  const servers = [product];
  try {
    const created = JSON.parse(product.flow(['keys', 'create', '--env', 'demo', '--reference', 'bench', '--purpose', 'flow_api', '--expires', isoDaysAhead(30), '--json']));
    const headers = { authorization: `Bearer ${created.key}` };
    const first = await fetch(`${product.base}/v1/me`, { headers });
    const body = await first.text();
    const floorHeaders = Object.fromEntries([...first.headers].filter(([k]) => CONTRACT_HEADERS.test(k)));
    const silent = await startServer({ LOG_LEVEL: 'silent', FLOW_DATA_DIR: product.dataDir });
    servers.push(silent);
    const noLimit = await startServer({ LOG_LEVEL: 'info', FLOW_DATA_DIR: product.dataDir, FLOW_BENCH_STUB: 'limiter' }, [], 'bench/stubbed-server.js');
    servers.push(noLimit);
    const noWork = await startServer({ FLOW_DATA_DIR: product.dataDir, FLOW_BENCH_STUB: 'work', FLOW_BENCH_KEY: created.key }, [], 'bench/stubbed-server.js');
    servers.push(noWork);
    const floor = await startFloor({ kind: 'me', key: created.key, body, headers: floorHeaders });
    servers.push(floor);
    const at = (s) => ({ url: `${s.base}/v1/me`, headers, pid: s.pid ?? s.child.pid });
    const run = await alternate({ product: at(product), silent: at(silent), noLimit: at(noLimit), noWork: at(noWork), floor: at(floor) }, { rounds, seconds });
    const steady = await load(`${product.base}/v1/me`, { duration: 5, connections: 10, headers, overallRate: 2000 });
    const vsFloor = run.ratio('product', 'floor');
    return {
      productRps: run.summary.product.rps,
      floorRps: run.summary.floor.rps,
      ratio: vsFloor.ratio,
      ratios: vsFloor.rounds,
      silentVsFloor: run.ratio('silent', 'floor').ratio,
      limiterOnVsOff: run.ratio('product', 'noLimit').ratio,
      // The product's app with its own per-request work stubbed (bench/stubbed-server.js, FLOW_BENCH_STUB=work): the framework set-up's
      // share of the gap, and the share of the product's checks, log and counters.
      frameworkVsFloor: run.ratio('noWork', 'floor').ratio,
      productVsFramework: run.ratio('product', 'noWork').ratio,
      serverCpuUsPerRequest: Object.fromEntries(Object.entries(run.summary).map(([k, v]) => [k, v.cpuUsPerRequest])),
      meP99MsSaturated50Connections: run.summary.product.p99Ms,
      meP99MsAt2000PerSecond: steady.p99,
      steadyRps: Math.round(steady.rps),
      errors: Object.values(run.summary).reduce((a, v) => a + v.errors, 0) + steady.errors + steady.non2xx,
    };
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }
}

/** (b): in-process verifications per second through the real verifier and store. */
export async function verifyBench() {
  const { loadConfig } = await dist('config.js');
  const { createDeps } = await dist('deps.js');
  const { generateKey } = await dist('kernel/key-format.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-verify-'));
  const deps = await createDeps({ ...loadConfig({ FLOW_DATA_DIR: dataDir }), logLevel: 'silent' });
  try {
    const env = await deps.environments.create({ slug: 'bench', name: 'Bench' });
    const { key } = await deps.keys.create(env.id, { reference: 'bench', purpose: 'flow_api', expiresOn: isoDaysAhead(30) }, { type: 'system', id: null, label: 'bench', ip: null });
    const unknown = generateKey().key;
    const malformed = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    const v = deps.verifier;
    const before = v.stats().lookups;
    const valid = await opsPerSecond(() => v.verify(key, '127.0.0.1'));
    const afterValid = v.stats().lookups;
    const unknownRate = await opsPerSecond(() => v.verify(unknown, '127.0.0.1'));
    const unknownLookups = v.stats().lookups - afterValid;
    const malformedRate = await opsPerSecond(() => v.verify(malformed, '127.0.0.1'));
    return {
      cachedValidPerSec: Math.round(valid),
      unknownPerSec: Math.round(unknownRate),
      malformedPerSec: Math.round(malformedRate),
      storeLookupsForValidKey: afterValid - before,
      storeLookupsForUnknownKey: unknownLookups,
    };
  } finally {
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function isoDaysAhead(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}
