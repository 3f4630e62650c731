import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ADMIN, as, buildTestApp, capturedLogs, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { webhookEvents } from '../../src/webhooks/event-payloads.js';
import { EVENT_TYPES } from '../../src/webhooks/event-types.js';
import { startReceiver } from './receiver.js';

const POLL = { timeout: 5000, interval: 20 };

describe('webhooks end to end (real receiver, real store, the in-process worker)', () => {
  let t: TestApp;
  let w: ApiWorld;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let endpointId: string;
  let secret: string;
  const keyId = async (key: string) => ((await t.app.inject({ url: '/v1/me', headers: auth(key) })).json() as { key: { id: string } }).key.id;
  const inTransaction = <T>(fn: (events: TestApp['deps']['repos']['webhookEvents']) => Promise<T>) =>
    t.deps.unitOfWork.transaction((tx) => fn(tx.webhookEvents));
  const at = (path: string) => rx.received.filter((r) => r.path === path);

  beforeAll(async () => {
    t = await buildTestApp({ config: { webhookAllowPrivate: true } });
    w = await makeWorld(t);
    rx = await startReceiver();
    t.deps.webhookWorker.start();
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  it('documents every event type with an example body in the OpenAPI 3.1 webhooks of /openapi/public.json', async () => {
    const doc = (await t.app.inject({ url: '/openapi/public.json' })).json() as { webhooks: Record<string, { post: { requestBody: { content: Record<string, { example: { type: string } }> } } }> };
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(doc.webhooks[type].post.requestBody.content['application/json'].example.type).toBe(type);
  });

  it('creates an endpoint through the API: 201 with the secret shown once', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: auth(w.keys.flow_api),
      payload: { url: rx.url('/flow'), events: ['member.created', 'member.updated', 'membership.updated'], description: 'e2e' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.id).toMatch(/^we_/);
    expect(body.secret).toMatch(/^whsec_/);
    expect(body).toMatchObject({ url: rx.url('/flow'), events: ['member.created', 'member.updated', 'membership.updated'], status: 'enabled', description: 'e2e' });
    endpointId = body.id;
    secret = body.secret;
    rx.secrets.set('/flow', secret);
    const list = (await t.app.inject({ url: '/v1/webhook-endpoints', headers: auth(w.keys.flow_api) })).json();
    expect(list.data.map((e: { id: string }) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(list)).not.toContain(secret);
    const row = await t.deps.store.db.selectFrom('webhook_endpoints').select('secret_ciphertext').where('id', '=', endpointId).executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).not.toContain(secret.slice(6));
  });

  it('delivers the test event, signed per Standard Webhooks', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpointId}/test`, headers: auth(w.keys.flow_api) });
    expect(res.statusCode, res.body).toBe(202);
    const { eventId } = res.json();
    await expect.poll(() => at('/flow').length, POLL).toBe(1);
    const got = at('/flow')[0];
    expect(got.verified).toBe(true);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(eventId);
    expect(eventId).toMatch(/^evt_/);
    expect(got.headers['webhook-timestamp']).toBe(String(Math.floor(t.clock.now().getTime() / 1000)));
    expect(got.json).toMatchObject({ id: eventId, type: 'webhook_endpoint.test', createdAt: t.clock.now().toISOString(), data: { object: { id: endpointId } } });
  });

  it('delivers an event recorded in a transaction (the outbox), the resource as data.object', async () => {
    const member = (await t.app.inject({ url: `/v1/members/${w.memberId}`, headers: auth(w.keys.flow_api) })).json();
    const { id, deliveries } = await inTransaction((events) => events.record(webhookEvents.memberCreated(w.env.id, member)));
    expect(deliveries).toBe(1);
    await expect.poll(() => at('/flow').some((r) => r.headers['webhook-id'] === id), POLL).toBe(true);
    const got = at('/flow').find((r) => r.headers['webhook-id'] === id);
    expect(got?.verified).toBe(true);
    expect(got?.json).toEqual({ id, type: 'member.created', createdAt: t.clock.now().toISOString(), data: { object: member } });
  });

  it('retries after a 500 with the same webhook-id, and logs both attempts', async () => {
    let failed = false;
    rx.setAnswer((r) => (r.json.type === 'member.updated' && !failed ? ((failed = true), 500) : 200));
    const { id } = await inTransaction((events) => events.record(webhookEvents.memberUpdated(w.env.id, { id: w.memberId, firstName: 'Ada' })));
    await expect.poll(() => at('/flow').filter((r) => r.headers['webhook-id'] === id).length, POLL).toBe(1);
    const delivery = await t.deps.store.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', id).executeTakeFirstOrThrow();
    await expect.poll(async () => (await t.deps.store.db.selectFrom('webhook_deliveries').select('attempts').where('id', '=', delivery.id).executeTakeFirstOrThrow()).attempts, POLL).toBe(1);
    const pending = await t.deps.store.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', delivery.id).executeTakeFirstOrThrow();
    expect(pending.status).toBe('pending');
    const wait = Date.parse(pending.next_attempt_at ?? '') - t.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(4500);
    expect(wait).toBeLessThanOrEqual(5500);
    // Not before it is due…
    await t.deps.webhookWorker.tick();
    expect(at('/flow').filter((r) => r.headers['webhook-id'] === id)).toHaveLength(1);
    // …and once it is.
    t.clock.advance(6000);
    await expect.poll(() => at('/flow').filter((r) => r.headers['webhook-id'] === id).length, POLL).toBe(2);
    const [first, second] = at('/flow').filter((r) => r.headers['webhook-id'] === id);
    expect(second.body).toBe(first.body);
    expect(second.verified).toBe(true);
    rx.setAnswer(() => 200);

    const admin = await t.login(ADMIN.email, ADMIN.password);
    await expect
      .poll(async () => {
        const log = (await t.app.inject({ url: `/admin/v1/webhook-endpoints/${endpointId}/deliveries`, headers: as(admin) })).json();
        const d = log.data.find((x: { eventId: string }) => x.eventId === id);
        return d && { status: d.status, codes: d.attemptLog.map((a: { statusCode: number }) => a.statusCode), body: d.attemptLog[0].responseBody };
      }, POLL)
      .toEqual({ status: 'succeeded', codes: [500, 200], body: 'receiver says no' });
  });

  it('a rolled-back transaction records and sends nothing', async () => {
    const before = rx.received.length;
    await expect(
      inTransaction(async (events) => {
        await events.record(webhookEvents.memberCreated(w.env.id, { id: 'mem_rolledback' }));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const rows = await sql<{ n: number }>`select count(*) as n from webhook_events where body like ${'%mem_rolledback%'}`.execute(t.deps.store.db);
    expect(Number(rows.rows[0].n)).toBe(0);
    await t.deps.webhookWorker.tick();
    await t.deps.webhookWorker.whenIdle();
    expect(rx.received.length).toBe(before);
  });

  it('least privilege: 403 naming a type the purpose may not read; such events never reach its endpoints', async () => {
    const denied = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.import_members), payload: { url: rx.url('/importer'), events: ['member_import.finished', 'member.created'] } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('permission_denied');
    expect(denied.json().detail).toContain('member.created');
    expect(denied.json().detail).toContain('members:read');
    expect(denied.json().detail).not.toContain('member_import.finished');
    const ok = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.import_members), payload: { url: rx.url('/importer'), events: ['member_import.finished'] } });
    expect(ok.statusCode, ok.body).toBe(201);
    // Even a row subscribed behind the API's back gets no delivery of data its key may not read.
    await t.deps.store.db.updateTable('webhook_endpoints').set({ events: JSON.stringify(['member_import.finished', 'member.created']) }).where('id', '=', ok.json().id).execute();
    const { deliveries } = await inTransaction((events) => events.record(webhookEvents.memberCreated(w.env.id, { id: 'mem_privacy' })));
    expect(deliveries).toBe(1); // the flow_api endpoint only
  });

  it('another key’s or another environment’s endpoint is 404', async () => {
    const other = await makeWorld(t, 'other');
    for (const key of [other.keys.flow_api, w.keys.innovatise_bridge]) {
      for (const [method, url] of [['GET', `/v1/webhook-endpoints/${endpointId}`], ['PATCH', `/v1/webhook-endpoints/${endpointId}`], ['DELETE', `/v1/webhook-endpoints/${endpointId}`], ['POST', `/v1/webhook-endpoints/${endpointId}/roll-secret`]] as const) {
        const res = await t.app.inject({ method, url, headers: auth(key), ...(method === 'PATCH' ? { payload: { status: 'paused' } } : {}) });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().code).toBe('not_found');
      }
    }
  });

  it('revoking the key stops its deliveries, except its own api_key.revoked event', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.coursepro_integration), payload: { url: rx.url('/coursepro'), events: ['membership.updated', 'api_key.revoked'] } });
    expect(res.statusCode, res.body).toBe(201);
    rx.secrets.set('/coursepro', res.json().secret);
    const id = await keyId(w.keys.coursepro_integration);
    // A delivery already queued when the key is revoked is dropped, not sent.
    const queued = await inTransaction((events) => events.record(webhookEvents.membershipUpdated(w.env.id, { id: 'ms_queued' })));
    await t.deps.webhookWorker.stop();
    await t.deps.store.db.updateTable('webhook_deliveries').set({ status: 'pending', lease_until: null, next_attempt_at: t.clock.now().toISOString() }).where('event_id', '=', queued.id).where('endpoint_id', '=', res.json().id).execute();
    // The keys service records api_key.revoked in the revocation's transaction (test/webhooks/events.test.ts checks its body).
    await t.deps.keys.revoke(w.env.id, id, SYSTEM_ACTOR);
    const after = await inTransaction((events) => events.record(webhookEvents.membershipUpdated(w.env.id, { id: 'ms_after' })));
    expect(after.deliveries).toBe(1); // the flow_api endpoint, not the revoked key's
    t.deps.webhookWorker.start();
    await expect.poll(() => at('/coursepro').map((r) => r.json.type), POLL).toEqual(['api_key.revoked']);
    await t.deps.webhookWorker.whenIdle();
    expect(at('/coursepro').map((r) => r.json.type)).toEqual(['api_key.revoked']);
    expect(at('/coursepro')[0].verified).toBe(true);
    const dropped = await t.deps.store.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', queued.id).where('endpoint_id', '=', res.json().id).executeTakeFirstOrThrow();
    await expect.poll(async () => (await t.deps.store.db.selectFrom('webhook_deliveries').select('status').where('id', '=', dropped.id).executeTakeFirstOrThrow()).status, POLL).toBe('failed');
  });

  it('staff: the key’s endpoints, pause and resume, redeliver (same webhook-id), test, delete', async () => {
    const admin = await t.login(ADMIN.email, ADMIN.password);
    const list = await t.app.inject({ url: `/admin/v1/api-keys/${await keyId(w.keys.flow_api)}/webhook-endpoints`, headers: as(admin) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data.map((e: { id: string }) => e.id)).toEqual([endpointId]);
    expect((await t.app.inject({ url: '/admin/v1/api-keys/key_nope/webhook-endpoints', headers: as(admin) })).statusCode).toBe(404);

    const paused = await t.app.inject({ method: 'PATCH', url: `/admin/v1/webhook-endpoints/${endpointId}`, headers: as(admin), payload: { status: 'paused' } });
    expect(paused.json().status).toBe('paused');
    const whilePaused = await inTransaction((events) => events.record(webhookEvents.memberCreated(w.env.id, { id: 'mem_paused' })));
    await t.deps.webhookWorker.tick();
    await t.deps.webhookWorker.whenIdle();
    expect(at('/flow').some((r) => r.headers['webhook-id'] === whilePaused.id)).toBe(false);
    await t.app.inject({ method: 'PATCH', url: `/admin/v1/webhook-endpoints/${endpointId}`, headers: as(admin), payload: { status: 'enabled' } });
    await expect.poll(() => at('/flow').some((r) => r.headers['webhook-id'] === whilePaused.id), POLL).toBe(true);

    const log = (await t.app.inject({ url: `/admin/v1/webhook-endpoints/${endpointId}/deliveries?limit=1`, headers: as(admin) })).json();
    expect(log.nextCursor).toMatch(/^whd_/);
    const delivery = log.data[0];
    const again = await t.app.inject({ method: 'POST', url: `/admin/v1/webhook-deliveries/${delivery.id}/redeliver`, headers: as(admin) });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ eventId: delivery.eventId, status: 'pending' });
    await expect.poll(() => at('/flow').filter((r) => r.headers['webhook-id'] === delivery.eventId).length, POLL).toBe(2);

    const test = await t.app.inject({ method: 'POST', url: `/admin/v1/webhook-endpoints/${endpointId}/test`, headers: as(admin) });
    expect(test.statusCode).toBe(202);
    await expect.poll(() => at('/flow').some((r) => r.headers['webhook-id'] === test.json().eventId), POLL).toBe(true);

    const rolled = await t.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpointId}/roll-secret`, headers: auth(w.keys.flow_api) });
    expect(rolled.json().secret).not.toBe(secret);
    rx.secrets.set('/flow', rolled.json().secret);
    const afterRoll = await inTransaction((events) => events.record(webhookEvents.memberCreated(w.env.id, { id: 'mem_rolled' })));
    await expect.poll(() => at('/flow').find((r) => r.headers['webhook-id'] === afterRoll.id)?.verified, POLL).toBe(true);

    expect((await t.app.inject({ method: 'DELETE', url: `/admin/v1/webhook-endpoints/${endpointId}`, headers: as(admin) })).statusCode).toBe(204);
    expect((await t.app.inject({ url: `/v1/webhook-endpoints/${endpointId}`, headers: auth(w.keys.flow_api) })).statusCode).toBe(404);
    expect(capturedLogs.join('\n')).not.toContain(secret.slice(6));
    expect(capturedLogs.join('\n')).not.toContain(rolled.json().secret.slice(6));
  });
});

describe('webhook URLs without FLOW_WEBHOOK_ALLOW_PRIVATE', () => {
  let t: TestApp;
  let w: ApiWorld;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await makeWorld(t);
  });
  afterAll(() => t.close());

  it.each([
    ['http://127.0.0.1:8080/hook', 'must start with https://'],
    ['https://127.0.0.1/hook', 'must not point to a loopback, private, link-local or metadata address'],
    ['https://[::ffff:10.0.0.1]/hook', 'must not point to a loopback, private, link-local or metadata address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point to a loopback, private, link-local or metadata address'],
    ['https://localhost/hook', 'must not resolve to a loopback, private, link-local or metadata address'],
  ])('%s → 400 validation_failed naming url', async (url, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.flow_api), payload: { url, events: ['member.created'] } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'url', message }] });
  });
});
