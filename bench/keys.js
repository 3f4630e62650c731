// Key verification benchmarks: /v1/me against its floor (and with logs silent, and the limiter off), p99 of
// /v1/me at 2,000 requests/s, and in-process verifications/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alternate, load, median, opsPerSecond, ROOT, startFloor, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/** Response headers the floors must send too: the contract's security, rate-limit and request-id headers. */
const CONTRACT_HEADERS = /^(content-security-policy|cross-origin-|permissions-policy|referrer-policy|x-content-type-options|x-frame-options|strict-transport-security|ratelimit-|x-request-id)/;
/** Of those, the ones that are the same on every answer (the contract-minimum floor computes the others per call). */
const CONSTANT_HEADERS = /^(content-security-policy|cross-origin-|permissions-policy|referrer-policy|x-content-type-options|x-frame-options|strict-transport-security)/;

/**
 * /v1/me against its floor, side by side in one run, 50 connections, alternating rounds:
 * - product: the default configuration (logs at info, in-process rate limiter on), a cached key;
 * - product with LOG_LEVEL=silent, and product with the limiter's counting off (bench/stubbed-server.js, FLOW_BENCH_STUB=limiter);
 * - the product's app with its own per-request work replaced by the floor's (bench/stubbed-server.js, FLOW_BENCH_STUB=work): what the
 *   framework set-up of the whole application (options, plugins, hooks, ~120 routes) costs on its own;
 * - bare floor (bench/floor-server.js): bare Fastify, no logger, SHA-256 of the key and one Map look-up, the same
 *   body. It also sends the same contract headers (security headers, RateLimit-*, X-Request-Id) as constant
 *   strings: without them the floor does less than the contract requires (they cost a bare server ~15 %);
 * - floor (the same server with spec.contractMinimum): the bare floor plus what the contract requires of every
 *   /v1 answer that the bare floor fakes with constants or skips: the key's shape and CRC-32 checksum, its expiry
 *   and revocation, a per-key counted rate-limit window written into RateLimit-*, and a request id per answer.
 *   The goal's ratio is taken against this one; the bare floor's is printed beside it.
 * Each side is BENCH_PROCESSES (default 3) server processes of the same kind, and its figure the median over them
 * (see `alternate`): one process of a side can be 25 % faster or slower than its twin.
 * p99 is also measured at a steady 2,000 requests/s on each product process (the latency a caller sees when the
 * node is not overloaded): the median over the processes, and each.
 */
export async function httpBench({ rounds = 3, seconds = 4, processes = Number(process.env.BENCH_PROCESSES ?? 3) } = {}) {
  // A set-up server makes the store (migrations, seed) and the key, then stops: every measured server starts on
  // the existing store alike, as a deployment's restart nearly always does. (In one run the process that had
  // migrated and seeded a new store was the slowest of its side by 30 %; one run does not prove it, but no
  // side should carry that start-up when the others do not.)
  const setup = await startServer({ LOG_LEVEL: 'info' });
  const servers = [setup];
  try {
    const created = JSON.parse(setup.flow(['keys', 'create', '--env', 'demo', '--reference', 'bench', '--purpose', 'flow_api', '--expires', isoDaysAhead(30), '--json']));
    const headers = { authorization: `Bearer ${created.key}` };
    const answer = await fetch(`${setup.base}/v1/me`, { headers });
    const body = await answer.text();
    const floorHeaders = Object.fromEntries([...answer.headers].filter(([k]) => CONTRACT_HEADERS.test(k)));
    const constantHeaders = Object.fromEntries([...answer.headers].filter(([k]) => CONSTANT_HEADERS.test(k)));
    const limit = Number(answer.headers.get('ratelimit-limit'));
    const store = { FLOW_DATA_DIR: setup.dataDir };
    await servers.pop().stop();
    /** `processes` servers of one kind, each its own process on the same store. */
    const several = async (start) => {
      const out = [];
      for (let i = 0; i < processes; i++) {
        const s = await start();
        servers.push(s);
        out.push(s);
      }
      return out;
    };
    const product = await several(() => startServer({ LOG_LEVEL: 'info', ...store }));
    const silent = await several(() => startServer({ LOG_LEVEL: 'silent', ...store }));
    const noLimit = await several(() => startServer({ LOG_LEVEL: 'info', ...store, FLOW_BENCH_STUB: 'limiter' }, [], 'bench/stubbed-server.js'));
    const noWork = await several(() => startServer({ ...store, FLOW_BENCH_STUB: 'work', FLOW_BENCH_KEY: created.key }, [], 'bench/stubbed-server.js'));
    const floor = await several(() => startFloor({ kind: 'me', contractMinimum: true, key: created.key, body, headers: constantHeaders, limit, expiresAtMs: Date.parse(created.expiresAt) }));
    const bareFloor = await several(() => startFloor({ kind: 'me', key: created.key, body, headers: floorHeaders }));
    const at = (list) => list.map((s) => ({ url: `${s.base}/v1/me`, headers, pid: s.pid ?? s.child.pid }));
    const run = await alternate({ product: at(product), silent: at(silent), noLimit: at(noLimit), noWork: at(noWork), floor: at(floor), bareFloor: at(bareFloor) }, { rounds, seconds });
    // The latency a caller sees when the node is not overloaded, on each product process: the median and the worst.
    const steady = [];
    for (const s of product) steady.push(await load(`${s.base}/v1/me`, { duration: 5, connections: 10, headers, overallRate: 2000 }));
    const p99s = steady.map((r) => r.p99);
    const vsFloor = run.ratio('product', 'floor');
    return {
      processesPerSide: processes,
      productRps: run.summary.product.rps,
      floorRps: run.summary.floor.rps,
      bareFloorRps: run.summary.bareFloor.rps,
      ratio: vsFloor.ratio,
      ratios: vsFloor.rounds,
      bareFloorRatio: run.ratio('product', 'bareFloor').ratio,
      floorVsBareFloor: run.ratio('floor', 'bareFloor').ratio,
      silentVsFloor: run.ratio('silent', 'floor').ratio,
      limiterOnVsOff: run.ratio('product', 'noLimit').ratio,
      // The product's app with its own per-request work stubbed (bench/stubbed-server.js, FLOW_BENCH_STUB=work): the framework set-up's
      // share of the gap, and the share of the product's checks, log and counters.
      frameworkVsFloor: run.ratio('noWork', 'floor').ratio,
      productVsFramework: run.ratio('product', 'noWork').ratio,
      serverCpuUsPerRequest: Object.fromEntries(Object.entries(run.summary).map(([k, v]) => [k, v.cpuUsPerRequest])),
      serverCpuUsPerRequestEachProcess: Object.fromEntries(Object.entries(run.summary).map(([k, v]) => [k, v.cpuUsPerRequestEachProcess])),
      meP99MsSaturated50Connections: run.summary.product.p99Ms,
      meP99MsAt2000PerSecond: median(p99s),
      meP99MsAt2000PerSecondEachProcess: p99s,
      steadyRps: Math.round(median(steady.map((r) => r.rps))),
      errors: Object.values(run.summary).reduce((a, v) => a + v.errors, 0) + steady.reduce((a, r) => a + r.errors + r.non2xx, 0),
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
