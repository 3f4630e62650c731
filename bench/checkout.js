#!/usr/bin/env node
// Checkout bench (issues 5, 13): GET /checkout/<id> (the full hosted page: session read + HTML) requests/s ÷
// the floor's (bench/floor-server.js `checkout`: bare Fastify reading the session and sending the same HTML), both on loopback, same
// run, same connections, alternating rounds.
//
//   standalone:  npm run build && node bench/checkout.js [--duration 8] [--connections 50]
//                → prints one JSON line { bench, checkoutRps, floorRps, ratio (median of 4 alternating rounds),
//                  serverCpuUsPerPage, serverCpuUsPerHealth, ... }
//   profile:     BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/checkout.js (flags for the server process)
//   from run.js: import { checkoutBench } from './checkout.js'; const r = await checkoutBench({ duration: 8 });
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuPerRequest, ROOT, sideBySide, startFloor, startServer } from './lib.js';

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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
/**
 * Checkout page rps ÷ the floor's (bare Fastify reading the session with one prepared SELECT and sending the same
 * HTML and headers), side by side in one run; plus the
 * product server's CPU per page, which the other processes on the machine do not change.
 */
export async function checkoutBench({ duration = 8, connections = 50 } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-checkout-'));
  const { key, siteId, typeId } = await prepareStore(dataDir);
  const server = await startServer({ FLOW_DATA_DIR: dataDir }, process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []);
  let floor;
  try {
    const res = await fetch(`${server.base}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ membershipTypeId: typeId, siteId, customer: { firstName: 'Bench', lastName: 'Mark', email: 'bench@example.com' }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' }),
    });
    if (res.status !== 201) throw new Error(`could not create a checkout session: ${res.status} ${await res.text()}`);
    const id = (await res.json()).id;
    const page = `${server.base}/checkout/${id}`;
    const first = await fetch(page);
    if (first.status !== 200) throw new Error(`the checkout page answered ${first.status}`);
    const html = await first.text();
    const headers = Object.fromEntries([...first.headers].filter(([k]) => !['content-length', 'content-type', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)));
    floor = await startFloor({ kind: 'checkout', html, headers, dbFile: path.join(dataDir, 'flow.sqlite') });
    const rounds = 4;
    const seconds = Math.max(2, Math.round(duration / rounds));
    const r = await sideBySide({ url: page }, { url: `${floor.base}/checkout/${id}` }, { rounds, seconds, connections });
    return {
      bench: 'checkout_page_vs_floor',
      checkoutRps: r.aRps,
      floorRps: r.bRps,
      ratio: r.ratio,
      ratios: r.ratios,
      // The product server's own CPU: the page, and /health for the per-request framework cost every route pays.
      serverCpuUsPerPage: await cpuPerRequest(server.child.pid, page, { connections }),
      serverCpuUsPerHealth: await cpuPerRequest(server.child.pid, `${server.base}/health`, { connections }),
      floorCpuUsPerPage: await cpuPerRequest(floor.pid, `${floor.base}/checkout/${id}`, { connections }),
      checkoutP99Ms: r.aP99Ms,
      htmlBytes: Buffer.byteLength(html),
      connections,
      secondsPerRound: seconds,
      rounds,
      errors: r.errors,
    };
  } finally {
    await floor?.stop();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } } });
  console.log(JSON.stringify(await checkoutBench({ duration: Number(values.duration), connections: Number(values.connections) })));
}
