#!/usr/bin/env node
/**
 * Checkout page throughput against /health on one loopback server, in one run.
 * Prints one JSON line: { bench, checkoutRps, healthRps, ratio, ... }.
 *
 *   npm run build && node bench/checkout.js [--duration <seconds, default 5>] [--connections <default 10>]
 *
 * Uses the built server (dist/), a fresh SQLite database in a temporary directory, a themed key and one open
 * session; GET /checkout/<id> renders the full page (session read + member check + HTML) on every request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' } } });
const duration = Number(values.duration);
const connections = Number(values.connections);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const [{ loadConfig }, { createDeps }, { buildApp }, { SYSTEM_ACTOR }, sitesRepo, typesRepo] = await Promise.all([
  dist('config.js'),
  dist('deps.js'),
  dist('app.js'),
  dist('audit/audit.service.js'),
  dist('sites/sites.repository.js'),
  dist('membership-types/membership-types.repository.js'),
]);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-checkout-'));
const config = { ...loadConfig({}), dataDir, databaseUrl: undefined, redisUrl: undefined, logLevel: 'silent' };
const deps = await createDeps(config, { usageFlushMs: 60_000 });
const app = await buildApp(deps);
try {
  const env = await deps.environments.create({ slug: 'bench', name: 'Bench Leisure' });
  const now = new Date().toISOString();
  const db = deps.store.db;
  const site = { id: 'site_bench000000000000', environmentId: env.id, code: 'B1', name: 'Bench Centre', addressLine1: null, town: null, postcode: null, phone: null, active: true, createdAt: now, updatedAt: now };
  await sitesRepo.createSitesRepository(db).insert(site);
  const type = {
    id: 'mt_bench0000000000000', environmentId: env.id, name: 'GYM', friendlyName: 'Gym Monthly', group: 'Gym', category: 'Adult', pricePence: 3200,
    currency: 'GBP', paymentType: 'recurring', billingPeriod: 'month', durationMonths: null, joiningFeePence: 0, integration: 'none', siteId: null, active: true, createdAt: now, updatedAt: now,
  };
  await typesRepo.createMembershipTypesRepository(db).insert(type);
  const expires = new Date(Date.now() + 180 * 86400_000).toISOString().slice(0, 10);
  const { key } = await deps.keys.create(env.id, { reference: 'bench', purpose: 'flow_api', expiresOn: expires, theme: { primaryColour: '#1D4ED8', secondaryColour: '#F59E0B' } }, SYSTEM_ACTOR);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/checkout/sessions',
    headers: { authorization: `Bearer ${key}` },
    payload: { membershipTypeId: type.id, siteId: site.id, customer: { firstName: 'Bench', lastName: 'Mark', email: 'bench@example.com' }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' },
  });
  if (created.statusCode !== 201) throw new Error(`could not create a session: ${created.statusCode} ${created.body}`);
  const sessionId = created.json().id;

  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const run = async (url) => {
    const r = await autocannon({ url: base + url, connections, duration });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return r.requests.average;
  };
  await autocannon({ url: `${base}/checkout/${sessionId}`, connections, duration: 1 }); // warm-up
  const healthRps = await run('/health');
  const checkoutRps = await run(`/checkout/${sessionId}`);
  console.log(
    JSON.stringify({
      bench: 'checkout_page_vs_health',
      checkoutRps: Math.round(checkoutRps),
      healthRps: Math.round(healthRps),
      ratio: Math.round((checkoutRps / healthRps) * 1000) / 1000,
      durationSeconds: duration,
      connections,
      store: 'sqlite',
    }),
  );
} finally {
  await app.close();
  await deps.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
