import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryRepository } from '../../src/expiry/expiry.repository.js';
import { createExpiryService } from '../../src/expiry/expiry.service.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { ADMIN, buildTestApp, type TestApp } from '../helpers.js';

// The test clock stands at 2026-06-15T10:00Z (11:00 in Europe/London).
describe('expiry warnings', () => {
  let t: TestApp;
  let envId: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await buildTestApp();
    envId = (await t.deps.environments.get('demo')).id;
    const make = async (reference: string, expiresOn: string) => (ids[reference] = (await t.deps.keys.create(envId, { reference, purpose: 'flow_api', expiresOn }, SYSTEM_ACTOR)).view.id);
    await make('today', '2026-06-15');
    await make('in14', '2026-06-29');
    await make('in15', '2026-06-30');
    await make('in3', '2026-06-18');
    await make('revoked', '2026-06-20');
    await t.deps.keys.revoke(envId, ids.revoked, SYSTEM_ACTOR);
  });
  afterAll(async () => t.close());

  const warnedIds = async () =>
    (await t.deps.audit.list({ environmentId: envId, action: 'api_key.expiring_soon', limit: 100 })).data.map((e) => e.targetId).sort();

  it('records api_key.expiring_soon once for each live key expiring within 14 days', async () => {
    expect(await t.deps.expiry.check()).toBe(3);
    expect(await warnedIds()).toEqual([ids.today, ids.in14, ids.in3].sort());
    const ev = (await t.deps.audit.list({ environmentId: envId, targetId: ids.in3, action: 'api_key.expiring_soon' })).data[0];
    expect(ev.actor.type).toBe('system');
    expect(ev.changes).toMatchObject({ expiresOn: '2026-06-18', daysLeft: 3 });
  });

  it('is idempotent: running again, or on several nodes at once, records nothing more', async () => {
    expect(await t.deps.expiry.check()).toBe(0);
    // Two more "nodes" over the same store, racing on a key that has just entered the window.
    t.clock.advance(24 * 3600 * 1000);
    const node = () => createExpiryService({ repo: createExpiryRepository(t.deps.store.db), store: t.deps.unitOfWork, clock: t.clock, environments: t.deps.environments });
    const results = await Promise.all([node().check(), node().check(), t.deps.expiry.check()]);
    expect(results.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await warnedIds()).filter((id) => id === ids.in15)).toHaveLength(1);
  });

  it('lists the live keys expiring soon, soonest first, for the console home', async () => {
    const s = await t.login(ADMIN.email, ADMIN.password);
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/expiring-keys', headers: { cookie: s.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    const refs = (res.json().data as Array<{ reference: string; status: string }>).map((k) => k.reference);
    expect(refs).toEqual(['in3', 'in14', 'in15']); // clock moved a day: "today" expired, "revoked" never listed
    expect(res.json().data[0].status).toBe('expiring_soon');
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/expiring-keys' })).statusCode).toBe(401);
  });
});
