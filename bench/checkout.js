#!/usr/bin/env node
// Checkout bench (issue 5): GET /checkout/<id> (the full hosted page: session read + HTML) requests/s ÷
// /health requests/s, one real server process (dist/server.js) on loopback, same run, same connections.
//
//   standalone:  npm run build && node bench/checkout.js [--duration 8] [--connections 50]
//                → prints one JSON line { bench, checkoutRps, healthRps, ratio, ... }
//   profile:     BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/checkout.js (flags for the server process)
//   from run.js: import { checkoutBench } from './checkout.js'; const r = await checkoutBench({ duration: 8 });
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, ROOT, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/** Prepares a store with an environment, a site, a membership type and a themed key; returns the key. */
async function prepareStore(dataDir) {
  const [{ loadConfig }, { createDeps }, { SYSTEM_ACTOR }, sites, types] = await Promise.all([
    dist('config.js'),
    dist('deps.js'),
    dist('audit/audit.service.js'),
    dist('sites/sites.repository.js'),
    dist('membership-types/membership-types.repository.js'),
  ]);
  const deps = await createDeps({ ...loadConfig({}), dataDir, databaseUrl: undefined, redisUrl: undefined, logLevel: 'silent' }, { usageFlushMs: 60_000 });
  try {
    const env = await deps.environments.create({ slug: 'demo', name: 'Bench Leisure' });
    const now = new Date().toISOString();
    const site = { id: 'site_bench000000000000', environmentId: env.id, code: 'B1', name: 'Bench Centre', addressLine1: null, town: null, postcode: null, phone: null, active: true, createdAt: now, updatedAt: now };
    await sites.createSitesRepository(deps.store.db).insert(site);
    const type = {
      id: 'mt_bench0000000000000', environmentId: env.id, name: 'GYM', friendlyName: 'Gym Monthly', group: 'Gym', category: 'Adult', pricePence: 3200, currency: 'GBP',
      paymentType: 'recurring', billingPeriod: 'month', durationMonths: null, joiningFeePence: 0, integration: 'none', siteId: null, active: true, createdAt: now, updatedAt: now,
    };
    await types.createMembershipTypesRepository(deps.store.db).insert(type);
    const expiresOn = new Date(Date.now() + 180 * 86400_000).toISOString().slice(0, 10);
    const { key } = await deps.keys.create(env.id, { reference: 'bench', purpose: 'flow_api', expiresOn, theme: { primaryColour: '#1D4ED8', secondaryColour: '#F59E0B' } }, SYSTEM_ACTOR);
    return { key, siteId: site.id, typeId: type.id };
  } finally {
    await deps.close();
  }
}

/** Checkout page rps ÷ /health rps on one server in one run. */
export async function checkoutBench({ duration = 8, connections = 50 } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-checkout-'));
  const { key, siteId, typeId } = await prepareStore(dataDir);
  const server = await startServer({ FLOW_DATA_DIR: dataDir }, process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []);
  try {
    const res = await fetch(`${server.base}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ membershipTypeId: typeId, siteId, customer: { firstName: 'Bench', lastName: 'Mark', email: 'bench@example.com' }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' }),
    });
    if (res.status !== 201) throw new Error(`could not create a checkout session: ${res.status} ${await res.text()}`);
    const page = `${server.base}/checkout/${(await res.json()).id}`;
    await load(`${server.base}/health`, { duration: 2, connections }); // warm-up
    await load(page, { duration: 2, connections });
    const health = await load(`${server.base}/health`, { duration, connections });
    const checkout = await load(page, { duration, connections });
    return {
      bench: 'checkout_page_vs_health',
      checkoutRps: Math.round(checkout.rps),
      healthRps: Math.round(health.rps),
      ratio: Math.round((checkout.rps / health.rps) * 1000) / 1000,
      checkoutP99Ms: checkout.p99,
      connections,
      durationSeconds: duration,
      errors: health.errors + health.non2xx + checkout.errors + checkout.non2xx,
    };
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } } });
  console.log(JSON.stringify(await checkoutBench({ duration: Number(values.duration), connections: Number(values.connections) })));
}
