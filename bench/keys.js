// Key verification benchmarks (issue 2): (a) /v1/me vs /health throughput on one server, (b) in-process
// verifications/s, (c) p99 latency of /v1/me.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load, opsPerSecond, ROOT, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/**
 * (a) and (c): authenticated /v1/me against /health on the same server in the same run, 50 connections.
 * Short rounds alternate so that load from anything else on the machine hits both sides alike; the
 * ratio reported is the median of the rounds. p99 is reported saturated (50 connections, as fast as the
 * server answers) and at a steady 2,000 requests/s (the latency a caller sees when the node is not overloaded).
 */
export async function httpBench({ rounds = 4, seconds = 4 } = {}) {
  const server = await startServer();
  try {
    const created = JSON.parse(server.flow(['keys', 'create', '--env', 'demo', '--reference', 'bench', '--purpose', 'flow_api', '--expires', isoDaysAhead(30), '--json']));
    const auth = { authorization: `Bearer ${created.key}` };
    await load(`${server.base}/health`, { duration: 2 }); // warm-up
    await load(`${server.base}/v1/me`, { duration: 2, headers: auth });
    const ratios = [];
    let health = 0;
    let me = 0;
    let p99 = 0;
    let errors = 0;
    for (let i = 0; i < rounds; i++) {
      const h = await load(`${server.base}/health`, { duration: seconds });
      const m = await load(`${server.base}/v1/me`, { duration: seconds, headers: auth });
      ratios.push(m.rps / h.rps);
      health += h.rps;
      me += m.rps;
      p99 = Math.max(p99, m.p99);
      errors += h.errors + h.non2xx + m.errors + m.non2xx;
    }
    const steady = await load(`${server.base}/v1/me`, { duration: 5, connections: 10, headers: auth, overallRate: 2000 });
    ratios.sort((a, b) => a - b);
    return {
      healthRps: Math.round(health / rounds),
      meRps: Math.round(me / rounds),
      ratio: round((ratios[Math.floor((rounds - 1) / 2)] + ratios[Math.ceil((rounds - 1) / 2)]) / 2),
      ratios: ratios.map(round),
      meP99MsSaturated50Connections: p99,
      meP99MsAt2000PerSecond: steady.p99,
      errors: errors + steady.errors + steady.non2xx,
    };
  } finally {
    await server.stop();
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
function round(x) {
  return Math.round(x * 1000) / 1000;
}
