#!/usr/bin/env node
// Checkout bench (issues 5, 13): GET /checkout/<id> (the full hosted page: session read + HTML) requests/s ÷
// the floor's (bench/floor-server.js `checkout`: bare Fastify reading the session and sending the same HTML), both on loopback, same
// run, same connections, alternating rounds.
//
//   standalone:  npm run build && node bench/checkout.js [--duration 12] [--connections 50]
//                → prints one JSON line { bench, checkoutRps, floorRps, ratio (median of 3 alternating rounds),
//                  serverCpuUsPerPage, serverCpuUsPerHealth, ... }
//   profile:     BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/checkout.js (flags for the server process)
//   from run.js: import { checkoutBench } from './checkout.js'; const r = await checkoutBench({ duration: 8 });
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alternate, cpuPerRequest, ROOT, startFloor, startServer } from './lib.js';

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

/**
 * Checkout page rps ÷ the floor's (bare Fastify reading the session with one prepared SELECT and sending the same
 * HTML and headers), side by side in one run, each side BENCH_PROCESSES (default 3) server processes on the same
 * store (the median over them: see lib.js `alternate`); plus the server's CPU per page and per /health.
 */
export async function checkoutBench({ duration = 12, connections = 50, processes = Number(process.env.BENCH_PROCESSES ?? 3) } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-checkout-'));
  const { key, siteId, typeId } = await prepareStore(dataDir);
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const servers = [];
  const floors = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await startServer({ FLOW_DATA_DIR: dataDir }, nodeArgs));
    const server = servers[0];
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
    for (let i = 0; i < processes; i++) floors.push(await startFloor({ kind: 'checkout', html, headers, dbFile: path.join(dataDir, 'flow.sqlite') }));
    const rounds = 3;
    const seconds = Math.max(2, Math.round(duration / rounds / processes));
    const run = await alternate(
      { product: servers.map((s) => ({ url: `${s.base}/checkout/${id}`, pid: s.child.pid })), floor: floors.map((f) => ({ url: `${f.base}/checkout/${id}`, pid: f.pid })) },
      { rounds, seconds, connections },
    );
    const r = run.ratio('product', 'floor');
    return {
      bench: 'checkout_page_vs_floor',
      processesPerSide: processes,
      checkoutRps: run.summary.product.rps,
      floorRps: run.summary.floor.rps,
      ratio: r.ratio,
      ratios: r.rounds,
      // The servers' own CPU a page (median over the processes, and each), and /health's for the per-request framework cost every route pays.
      serverCpuUsPerPage: run.summary.product.cpuUsPerRequest,
      serverCpuUsPerPageEachProcess: run.summary.product.cpuUsPerRequestEachProcess,
      floorCpuUsPerPage: run.summary.floor.cpuUsPerRequest,
      floorCpuUsPerPageEachProcess: run.summary.floor.cpuUsPerRequestEachProcess,
      serverCpuUsPerHealth: await cpuPerRequest(server.child.pid, `${server.base}/health`, { connections }),
      checkoutP99Ms: run.summary.product.p99Ms,
      htmlBytes: Buffer.byteLength(html),
      connections,
      secondsPerRound: seconds,
      rounds,
      errors: run.summary.product.errors + run.summary.floor.errors,
    };
  } finally {
    for (const f of floors) await f.stop();
    for (const s of servers) await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '12' }, connections: { type: 'string', default: '50' } } });
  console.log(JSON.stringify(await checkoutBench({ duration: Number(values.duration), connections: Number(values.connections) })));
}
