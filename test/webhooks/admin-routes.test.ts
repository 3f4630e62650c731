import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, as, buildTestApp, demoEnvId, type TestApp } from '../helpers.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';

const STAFF = { email: 'viewer@example.com', password: 'correct horse battery staple 2' };

/** The console's two staff routes for webhooks: add an endpoint to a key, roll an endpoint's secret. */
describe('POST /admin/v1/api-keys/:id/webhook-endpoints and POST /admin/v1/webhook-endpoints/:id/roll-secret', () => {
  let t: TestApp;
  let admin: { cookie: string; csrf: string };
  let staff: { cookie: string; csrf: string };
  let envId: string;
  let importerKeyId: string;
  let flowKeyId: string;
  let otherEnvKeyId: string;
  const body = { url: 'https://hooks.example.com/console', events: ['member.created', 'api_key.revoked'], description: 'from the console' };

  beforeAll(async () => {
    t = await buildTestApp({ config: { webhookAllowPrivate: true } });
    envId = await demoEnvId(t);
    admin = await t.login(ADMIN.email, ADMIN.password);
    await t.deps.staff.create({ environmentId: envId, email: STAFF.email, role: 'staff', password: STAFF.password });
    staff = await t.login(STAFF.email, STAFF.password);
    flowKeyId = (await t.deps.keys.create(envId, { reference: 'Custom', purpose: 'flow_api', expiresOn: '2027-01-31' }, SYSTEM_ACTOR)).view.id;
    importerKeyId = (await t.deps.keys.create(envId, { reference: 'Importer', purpose: 'import_members', expiresOn: '2027-01-31' }, SYSTEM_ACTOR)).view.id;
    const other = await t.deps.environments.create({ slug: 'other-wh', name: 'Other' });
    otherEnvKeyId = (await t.deps.keys.create(other.id, { reference: 'Elsewhere', purpose: 'flow_api', expiresOn: '2027-01-31' }, SYSTEM_ACTOR)).view.id;
  });
  afterAll(async () => t?.close());

  const add = (keyId: string, headers: Record<string, string>, payload: Record<string, unknown> = body) => t.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${keyId}/webhook-endpoints`, headers, payload });

  it('refuses a state change without the CSRF token (403 csrf_failed) and a staff member who is not an admin', async () => {
    const res = await add(flowKeyId, { cookie: admin.cookie });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf_failed');
    expect((await add(flowKeyId, as(staff))).statusCode).toBe(403);
    const list = (await t.app.inject({ url: `/admin/v1/api-keys/${flowKeyId}/webhook-endpoints`, headers: as(admin) })).json();
    expect(list.data).toEqual([]);
  });

  it('answers 404 for another environment’s key and for a key that does not exist', async () => {
    const res = await add(otherEnvKeyId, as(admin));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
    expect((await add('key_nope', as(admin))).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/admin/v1/api-keys/${otherEnvKeyId}/webhook-endpoints`, headers: as(admin) })).statusCode).toBe(404);
  });

  it('answers 403 naming an event type the key’s purpose may not read, and 400 naming a bad field', async () => {
    const denied = await add(importerKeyId, as(admin), { url: 'https://hooks.example.com/x', events: ['membership.updated'] });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().errors).toEqual([{ path: 'events', message: 'membership.updated needs memberships:read' }]);
    const bad = await add(flowKeyId, as(admin), { url: 'https://hooks.example.com/x', events: [] });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().errors)).toContain('events');
  });

  it('adds an endpoint: 201 with the secret once (no-store), listed without it, audited with the staff member', async () => {
    const res = await add(flowKeyId, as(admin));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(created).toMatchObject({ object: 'webhook_endpoint', apiKeyId: flowKeyId, url: body.url, events: body.events, description: body.description, status: 'enabled' });
    expect(created.secret).toMatch(/^whsec_/);
    const list = await t.app.inject({ url: `/admin/v1/api-keys/${flowKeyId}/webhook-endpoints`, headers: as(admin) });
    expect(list.json().data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    expect(list.body).not.toContain(created.secret);
    const audit = await t.deps.audit.list({ environmentId: envId, targetId: created.id, action: 'webhook_endpoint.created' });
    expect(audit.data[0].actor).toMatchObject({ type: 'staff', label: ADMIN.email });
  });

  it('rolls the secret: a new one, shown once; 403 without CSRF; 404 for another environment’s endpoint', async () => {
    const created = (await add(flowKeyId, as(admin), { url: 'https://hooks.example.com/roll', events: ['member.updated'] })).json();
    const noCsrf = await t.app.inject({ method: 'POST', url: `/admin/v1/webhook-endpoints/${created.id}/roll-secret`, headers: { cookie: admin.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('csrf_failed');
    const rolled = await t.app.inject({ method: 'POST', url: `/admin/v1/webhook-endpoints/${created.id}/roll-secret`, headers: as(admin) });
    expect(rolled.statusCode, rolled.body).toBe(200);
    expect(rolled.headers['cache-control']).toBe('no-store');
    expect(rolled.json().secret).toMatch(/^whsec_/);
    expect(rolled.json().secret).not.toBe(created.secret);
    const audit = await t.deps.audit.list({ environmentId: envId, targetId: created.id, action: 'webhook_endpoint.secret_rolled' });
    expect(audit.data).toHaveLength(1);

    const elsewhere = await t.deps.webhooks.adminCreate((await t.deps.environments.get('other-wh')).id, otherEnvKeyId, { url: 'https://hooks.example.com/o', events: ['member.created'] }, SYSTEM_ACTOR);
    expect((await t.app.inject({ method: 'POST', url: `/admin/v1/webhook-endpoints/${elsewhere.id}/roll-secret`, headers: as(admin) })).statusCode).toBe(404);
  });

  it('refuses a new endpoint on a revoked key (409)', async () => {
    await t.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${importerKeyId}/revoke`, headers: as(admin) });
    const res = await add(importerKeyId, as(admin), { url: 'https://hooks.example.com/x', events: ['member_import.finished'] });
    expect(res.statusCode).toBe(409);
  });
});
