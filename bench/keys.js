// Key verification benchmarks (issue 2): (a) /v1/me vs /health throughput on one server, (b) in-process
// verifications/s, (c) p99 latency of /v1/me.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load, opsPerSecond, ROOT, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/** (a) and (c): authenticated /v1/me against /health, same server, same run, 50 connections. */
export async function httpBench({ duration = 8 } = {}) {
  const server = await startServer();
  try {
    const created = JSON.parse(server.flow(['keys', 'create', '--env', 'demo', '--reference', 'bench', '--purpose', 'flow_api', '--expires', isoDaysAhead(30), '--json']));
    const auth = { authorization: `Bearer ${created.key}` };
    await load(`${server.base}/health`, { duration: 2 }); // warm-up
    await load(`${server.base}/v1/me`, { duration: 2, headers: auth });
    const health = await load(`${server.base}/health`, { duration });
    const me = await load(`${server.base}/v1/me`, { duration, headers: auth });
    const meLight = await load(`${server.base}/v1/me`, { duration: 4, connections: 1, headers: auth });
    return {
      healthRps: Math.round(health.rps),
      meRps: Math.round(me.rps),
      ratio: round(me.rps / health.rps),
      meP99Ms50Connections: me.p99,
      meP99Ms1Connection: meLight.p99,
      errors: health.errors + me.errors + me.non2xx + health.non2xx,
    };
  } finally {
    await server.stop();
  }
}

/** (b): in-process verifications per second through the real verifier and store. */
export async function verifyBench() {
  const { loadConfig } = await dist('config.js');
  const { createDeps } = await dist('deps.js');
  const { generateKey } = await dist('keys/key-format.js');
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
