import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { buildTestApp, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';

describe('environments never see each other', () => {
  let t: TestApp;
  let a: ApiWorld;
  let b: ApiWorld;
  let bImport: string;
  beforeAll(async () => {
    t = await buildTestApp();
    a = await makeWorld(t, 'demo');
    b = await makeWorld(t, 'other');
    bImport = (await t.deps.imports.accept(b.env.id, null, 'csv', Readable.from(['first_name,last_name,email\nX,Y,bad\n']), false)).id;
    await t.deps.imports.whenIdle();
  });
  afterAll(async () => t.close());

  const key = () => auth(a.keys.flow_api);

  it("answers 404 not_found for another environment's ids", async () => {
    const calls: Array<{ method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: object }> = [
      { method: 'GET', url: `/v1/members/${b.memberId}` },
      { method: 'PATCH', url: `/v1/members/${b.memberId}`, payload: { phone: '0113 496 0999' } },
      { method: 'GET', url: `/v1/members/${b.memberId}/memberships` },
      { method: 'GET', url: `/v1/members/${b.memberId}/access-code` },
      { method: 'GET', url: `/v1/memberships/${b.activeMembershipId}` },
      { method: 'POST', url: `/v1/memberships/${b.activeMembershipId}/cancel`, payload: {} },
      { method: 'GET', url: `/v1/member-imports/${bImport}` },
      { method: 'GET', url: `/v1/member-imports/${bImport}/errors` },
      { method: 'POST', url: '/v1/attendance', payload: { records: [{ memberId: b.memberId, courseId: 'C1', sessionStart: '2026-06-01T10:00:00Z', status: 'present' }] } },
    ];
    for (const c of calls) {
      const res = await t.app.inject({ method: c.method, url: c.url, payload: c.payload, headers: key() });
      expect(res.statusCode, `${c.method} ${c.url}: ${res.body}`).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    // Nothing changed in the other environment.
    expect((await t.deps.memberships.get(b.env.id, b.activeMembershipId)).status).toBe('active');
    expect((await t.deps.members.get(b.env.id, b.memberId)).phone).toBeNull();
  });

  it('list filters never reach another environment', async () => {
    const bMember = await t.deps.members.get(b.env.id, b.memberId);
    for (const url of [`/v1/members?email=${encodeURIComponent(bMember.email)}`, `/v1/members?memberNumber=${bMember.memberNumber}`, '/v1/members?updatedSince=2000-01-01T00:00:00Z&limit=100']) {
      const res = await t.app.inject({ method: 'GET', url, headers: key() });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((m: { id: string }) => m.id)).not.toContain(b.memberId);
    }
    const all = async (url: string) => (await t.app.inject({ method: 'GET', url, headers: key() })).json().data.map((x: { id: string }) => x.id) as string[];
    expect(await all('/v1/sites?limit=100')).toEqual([a.siteId]);
    expect(await all('/v1/membership-types?limit=100')).toEqual(expect.not.arrayContaining([b.typeId, b.courseTypeId]));
    expect(await all('/v1/memberships?limit=100&integration=coursepro')).toEqual([a.activeMembershipId]);
  });

  it("refuses another environment's site as a home site", async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: key(), payload: { firstName: 'A', lastName: 'B', email: 'a@b.example', homeSiteId: b.siteId } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('homeSiteId');
  });

  it('imports never match or touch members of another environment', async () => {
    const bMember = await t.deps.members.get(b.env.id, b.memberId);
    const csv = `first_name,last_name,email,external_system,external_id\nSam,Other,${bMember.email},,\nTed,Other,${bMember.email.replace('@', '+x@')},crm,${b.memberId}\n`;
    const res = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...auth(a.keys.import_members), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(202);
    await t.deps.imports.whenIdle();
    const job = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${res.json().id}`, headers: auth(a.keys.import_members) })).json();
    expect(job.counts, JSON.stringify(job)).toMatchObject({ created: 2, updated: 0 });
    expect((await t.deps.members.get(b.env.id, b.memberId)).firstName).toBe(bMember.firstName);
  });

  it('idempotency keys are scoped to the calling key', async () => {
    const body = { firstName: 'Idem', lastName: 'Scope', email: 'idem@scope.example' };
    const one = await t.app.inject({ method: 'POST', url: '/v1/members', headers: { ...auth(a.keys.flow_api), 'idempotency-key': 'same-key' }, payload: body });
    const two = await t.app.inject({ method: 'POST', url: '/v1/members', headers: { ...auth(b.keys.flow_api), 'idempotency-key': 'same-key' }, payload: body });
    expect(one.statusCode).toBe(201);
    expect(two.statusCode).toBe(201);
    expect(two.json().id).not.toBe(one.json().id);
    await expect(t.deps.members.get(b.env.id, one.json().id)).rejects.toMatchObject({ code: 'not_found' });
    void SYSTEM_ACTOR;
  });
});
