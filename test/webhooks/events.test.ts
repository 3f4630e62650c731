import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, as, buildTestApp, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { SESSION_TTL_MS } from '../../src/checkout/checkout.types.js';
import { addDays } from '../../src/kernel/time.js';
import { EVENT_TYPES } from '../../src/webhooks/event-types.js';
import { payByDirectDebit } from '../checkout/fixtures.js';
import { startReceiver, type Received } from './receiver.js';

const POLL = { timeout: 5000, interval: 10 };
const PUBLIC_URL = 'https://flow.test';

/**
 * Every owner records its events in the transaction of the change: each change below goes through the public
 * API (or the admin, the CLI's service, the scheduler's check), the in-process worker delivers it, and the
 * receiver gets one signed event whose data.object is exactly what a GET of the resource answers right after.
 */
describe('webhook events from their owners (API → outbox → worker → receiver)', () => {
  let t: TestApp;
  let w: ApiWorld;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  const arrivals = new Map<string, number>();

  const get = async (url: string, key = w.keys.flow_api) => {
    const res = await t.app.inject({ url, headers: auth(key) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Record<string, unknown>;
  };
  const at = (path: string, type?: string, id?: string): Received[] =>
    rx.received.filter((r) => r.path === path && (type === undefined || r.json.type === type) && (id === undefined || r.json.data.object.id === id));
  /** Waits for the one event of `type` about `id` at `path`, signed; returns its data.object. */
  async function one(type: string, id: string, path = '/all'): Promise<Record<string, unknown>> {
    await expect.poll(() => at(path, type, id).length, POLL).toBeGreaterThanOrEqual(1);
    await t.deps.webhookWorker.whenIdle();
    const got = at(path, type, id);
    expect(got).toHaveLength(1);
    expect(got[0].verified).toBe(true);
    return got[0].json.data.object;
  }
  async function endpoint(key: string, path: string, events: string[]) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(key), payload: { url: rx.url(path), events } });
    expect(res.statusCode, res.body).toBe(201);
    rx.secrets.set(path, res.json().secret as string);
  }
  const eventRows = async () => Number((await t.deps.store.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  async function settle() {
    await t.deps.webhookWorker.tick();
    await t.deps.webhookWorker.whenIdle();
  }

  beforeAll(async () => {
    t = await buildTestApp({ config: { webhookAllowPrivate: true, publicUrl: PUBLIC_URL } });
    w = await makeWorld(t);
    rx = await startReceiver();
    rx.setAnswer((r) => {
      arrivals.set(String(r.json.data.object.id), performance.now());
      return 200;
    });
    // flow_api may read everything: every type (the api_key.* ones are about its own key only).
    await endpoint(w.keys.flow_api, '/all', EVENT_TYPES);
    // import_members may not read members: it can subscribe to its imports' outcome only.
    await endpoint(w.keys.import_members, '/importer', ['member_import.finished']);
    t.deps.webhookWorker.start();
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  it('member.created and member.updated carry the member as GET /v1/members/{id} answers it', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/members', headers: auth(w.keys.flow_api), payload: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@events.example', memberNumber: 'EV-1' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect(await one('member.created', id)).toEqual(await get(`/v1/members/${id}`));
    const patched = await t.app.inject({ method: 'PATCH', url: `/v1/members/${id}`, headers: auth(w.keys.flow_api), payload: { phone: '0113 496 0000' } });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = await one('member.updated', id);
    expect(after).toEqual(await get(`/v1/members/${id}`));
    expect(after.phone).toBe('0113 496 0000');
  });

  it('a change that fails records nothing (a member number already taken)', async () => {
    const before = await eventRows();
    const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: auth(w.keys.flow_api), payload: { firstName: 'Dup', lastName: 'Licate', email: 'dup@events.example', memberNumber: 'EV-1' } });
    expect(res.statusCode).toBe(409);
    await settle();
    expect(await eventRows()).toBe(before);
    expect(rx.received.filter((r) => r.json.type === 'member.created' && r.json.data.object.email === 'dup@events.example')).toHaveLength(0);
  });

  it('an import batch that fails (rolls back, as when its job was claimed by another process) records nothing', async () => {
    const before = await eventRows();
    const row = (n: number) => ({ row: n, firstName: 'Roll', lastName: `Back${n}`, email: `rollback${n}@events.example`, emailLower: `rollback${n}@events.example`, refs: [] });
    const failing = t.deps.unitOfWork.transaction(async (tx) => {
      const applied = await t.deps.members.applyBatch(tx, w.env.id, [row(1), row(2)], { dryRun: false, actor: SYSTEM_ACTOR });
      expect(applied.created).toBe(2);
      // The batch wrote its members and their events in this transaction (the import test sees them arrive); then it fails.
      throw new Error('batch failed');
    });
    await expect(failing).rejects.toThrow('batch failed');
    await settle();
    expect(await eventRows()).toBe(before);
    expect(rx.received.filter((r) => String(r.json.data.object.email).startsWith('rollback'))).toHaveLength(0);
  });

  it('a purpose that may not read members cannot subscribe to member events, and gets none', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.import_members), payload: { url: rx.url('/nope'), events: ['member.created'] } });
    expect(res.statusCode).toBe(403);
    await settle();
    expect(at('/importer').filter((r) => r.json.type !== 'member_import.finished')).toHaveLength(0);
  });

  it('membership.updated on cancel carries the membership after', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/memberships/${w.activeMembershipId}/cancel`, headers: auth(w.keys.flow_api), payload: { reason: 'moving away' } });
    expect(res.statusCode, res.body).toBe(200);
    const after = await one('membership.updated', w.activeMembershipId);
    expect(after).toEqual(await get(`/v1/memberships/${w.activeMembershipId}`));
    expect(after.status).toBe('cancelled');
  });

  it('checkout: session completed, its new member and membership created, then the failed mandate cancels it', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/checkout/sessions',
      headers: auth(w.keys.flow_api),
      payload: { membershipTypeId: w.typeId, siteId: w.siteId, customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com' }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await payByDirectDebit(t, id)).statusCode).toBe(303);
    const session = await get(`/v1/checkout/sessions/${id}`);
    expect(await one('checkout.session.completed', id)).toEqual(session);
    expect(await one('member.created', String(session.memberId))).toEqual(await get(`/v1/members/${String(session.memberId)}`));
    const msId = String(session.membershipId);
    const ms = await one('membership.created', msId);
    expect(ms).toEqual(await get(`/v1/memberships/${msId}`));
    expect(ms.status).toBe('pending');

    const mandate = (session.payment as { mandateId: string }).mandateId;
    const failed = await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${mandate}/fail`, headers: auth(w.keys.flow_api) });
    expect(failed.statusCode, failed.body).toBe(200);
    const after = await one('membership.updated', msId);
    expect(after).toEqual(await get(`/v1/memberships/${msId}`));
    expect(after.status).toBe('cancelled');
  });

  it('attendance.recorded for a record created or changed, not for a repeat', async () => {
    const rec = { memberId: w.memberId, courseId: 'CP-EV', membershipTypeId: w.courseTypeId, sessionStart: '2026-06-15T09:00:00.000Z', status: 'present' };
    const res = await t.app.inject({ method: 'POST', url: '/v1/attendance', headers: auth(w.keys.flow_api), payload: { records: [rec] } });
    expect(res.statusCode, res.body).toBe(200);
    const { result, ...answered } = res.json().data[0] as Record<string, unknown>;
    expect(result).toBe('created');
    expect(await one('attendance.recorded', String(answered.id))).toEqual(answered);
    await t.app.inject({ method: 'POST', url: '/v1/attendance', headers: auth(w.keys.flow_api), payload: { records: [rec] } });
    await settle();
    expect(at('/all', 'attendance.recorded', String(answered.id))).toHaveLength(1);
  });

  it('an import sends member.created per member in its batch and member_import.finished (dry runs too) to the importer', async () => {
    const csv = 'first_name,last_name,email\nImp,One,imp1@events.example\nImp,Two,imp2@events.example\nImp,Three,imp3@events.example\n';
    const post = (dryRun: boolean) =>
      t.app.inject({ method: 'POST', url: `/v1/member-imports${dryRun ? '?dryRun=true' : ''}`, headers: { ...auth(w.keys.import_members), 'content-type': 'text/csv' }, payload: csv });
    const res = await post(false);
    expect(res.statusCode, res.body).toBe(202);
    const jobId = res.json().id as string;
    await t.deps.imports.whenIdle();
    const job = await get(`/v1/member-imports/${jobId}`, w.keys.import_members);
    expect(job.status).toBe('succeeded');
    expect(await one('member_import.finished', jobId, '/importer')).toEqual(job);
    expect(await one('member_import.finished', jobId)).toEqual(job);
    await expect.poll(() => rx.received.filter((r) => r.path === '/all' && r.json.type === 'member.created' && String(r.json.data.object.email).endsWith('@events.example') && String(r.json.data.object.email).startsWith('imp')).length, POLL).toBe(3);
    const first = rx.received.find((r) => r.path === '/all' && r.json.data.object.email === 'imp1@events.example')!;
    expect(first.json.data.object).toEqual(await get(`/v1/members/${String(first.json.data.object.id)}`));

    const before = await eventRows();
    const dry = await post(true);
    const dryId = dry.json().id as string;
    await t.deps.imports.whenIdle();
    expect(await one('member_import.finished', dryId, '/importer')).toEqual(await get(`/v1/member-imports/${dryId}`, w.keys.import_members));
    // A dry run writes no member, so only its job's event (one row) is recorded.
    expect(await eventRows()).toBe(before + 1);
  });

  it('api_key.revoked (staff revoke and a leaked-key report) and api_key.expiring carry the key of /v1/me', async () => {
    const revoked = await t.deps.keys.create(w.env.id, { reference: 'events revoke', purpose: 'flow_api', expiresOn: '2027-01-31' }, SYSTEM_ACTOR);
    const leaked = await t.deps.keys.create(w.env.id, { reference: 'events leak', purpose: 'coursepro_integration', expiresOn: '2027-01-31' }, SYSTEM_ACTOR);
    const expiring = await t.deps.keys.create(w.env.id, { reference: 'events expiring', purpose: 'innovatise_bridge', expiresOn: addDays(t.clock.now().toISOString().slice(0, 10), 5) }, SYSTEM_ACTOR);
    const me = async (key: string) => (await get('/v1/me', key)).key as Record<string, unknown>;
    const keys = { revoked: await me(revoked.key), leaked: await me(leaked.key), expiring: await me(expiring.key) };
    await endpoint(revoked.key, '/revoked', ['api_key.revoked']);
    await endpoint(leaked.key, '/leaked', ['api_key.revoked']);
    await endpoint(expiring.key, '/expiring', ['api_key.expiring']);

    const s = await t.login(ADMIN.email, ADMIN.password);
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${String(keys.revoked.id)}/revoke`, headers: as(s), payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(await one('api_key.revoked', String(keys.revoked.id), '/revoked')).toEqual(keys.revoked);

    const report = await t.app.inject({ method: 'POST', url: '/v1/keys/revoke-leaked', payload: { keys: [leaked.key] }, remoteAddress: '198.51.100.7' });
    expect(report.statusCode, report.body).toBeLessThan(300);
    expect(await one('api_key.revoked', String(keys.leaked.id), '/leaked')).toEqual(keys.leaked);

    expect(await t.deps.expiry.check()).toBeGreaterThanOrEqual(1);
    expect(await one('api_key.expiring', String(keys.expiring.id), '/expiring')).toEqual(keys.expiring);
    // Another key's events never reach the flow_api endpoint.
    expect(at('/all').filter((r) => r.json.type.startsWith('api_key.'))).toHaveLength(0);
  });

  it('checkout.session.expired once, when the session is first seen expired', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/checkout/sessions',
      headers: auth(w.keys.flow_api),
      payload: { membershipTypeId: w.typeId, siteId: w.siteId, customer: { memberId: w.memberId }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    t.clock.advance(SESSION_TTL_MS + 1000);
    const reads = await Promise.all([get(`/v1/checkout/sessions/${id}`), t.app.inject({ url: `/checkout/${id}` }), get(`/v1/checkout/sessions/${id}`)]);
    expect(reads[0].status).toBe('expired');
    expect(await one('checkout.session.expired', id)).toEqual(await get(`/v1/checkout/sessions/${id}`));
  });

  it('arrives within 1 s (median) of the API answer, with the worker polling at its default interval', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: auth(w.keys.flow_api), payload: { firstName: 'Lat', lastName: `N${i}`, email: `lat${i}@events.example` } });
      const answered = performance.now();
      const id = res.json().id as string;
      await expect.poll(() => arrivals.has(id), POLL).toBe(true);
      latencies.push(arrivals.get(id)! - answered);
    }
    latencies.sort((a, b) => a - b);
    const median = (latencies[9] + latencies[10]) / 2;
    console.log(`webhook latency, API answer → receiver (20 member creates): median ${median.toFixed(0)} ms, max ${latencies[19].toFixed(0)} ms`);
    expect(median).toBeLessThan(1000);
  });
});
