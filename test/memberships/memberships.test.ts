import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { seedIfEmpty } from '../../src/seed.js';
import { buildTestApp, type TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

describe('memberships, attendance and access codes', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('coursepro_integration')));
  afterAll(async () => t.close());

  it('the CoursePro feed follows status changes in order', async () => {
    t.clock.advance(1000);
    const since = t.clock.now().toISOString();
    const gym = await t.deps.memberships.create(w.env.id, { memberId: w.memberId, membershipTypeId: w.typeId, status: 'active', startDate: '2026-01-01', pricePence: 3500, source: 'test' }, SYSTEM_ACTOR);
    const swim = await t.deps.memberships.create(w.env.id, { memberId: w.memberId, membershipTypeId: w.courseTypeId, status: 'pending', startDate: '2026-07-01', pricePence: 2600, source: 'test' }, SYSTEM_ACTOR);
    await t.deps.memberships.setStatus(w.env.id, w.activeMembershipId, 'frozen', SYSTEM_ACTOR);
    const res = await t.app.inject({ method: 'GET', url: `/v1/memberships?updatedSince=${since}&integration=coursepro`, headers: k });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    expect(page.data.map((m: { id: string; status: string }) => `${m.id}:${m.status}`)).toEqual([`${swim.id}:pending`, `${w.activeMembershipId}:frozen`]);
    expect(page.data.map((m: { id: string }) => m.id)).not.toContain(gym.id);
    const later = await t.app.inject({ method: 'GET', url: `/v1/memberships?updatedSince=${since}&integration=coursepro&cursor=${page.resumeCursor}`, headers: k });
    expect(later.json().data).toEqual([]);
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/memberships/${swim.id}/cancel`, headers: k, payload: { reason: 'changed class' } });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', cancelReason: 'changed class' });
    const after = await t.app.inject({ method: 'GET', url: `/v1/memberships?updatedSince=${since}&integration=coursepro&cursor=${page.resumeCursor}`, headers: k });
    expect(after.json().data.map((m: { id: string; status: string }) => `${m.id}:${m.status}`)).toEqual([`${swim.id}:cancelled`]);
    // Cancelling again answers it unchanged; an expired one cannot be cancelled.
    const again = await t.app.inject({ method: 'POST', url: `/v1/memberships/${swim.id}/cancel`, headers: k });
    expect(again.statusCode, again.body).toBe(200);
    const expired = await t.deps.memberships.create(w.env.id, { memberId: w.memberId, membershipTypeId: w.typeId, status: 'expired', startDate: '2025-01-01', pricePence: 1, source: 'test' }, SYSTEM_ACTOR);
    const refused = await t.app.inject({ method: 'POST', url: `/v1/memberships/${expired.id}/cancel`, headers: k });
    expect(refused.statusCode).toBe(409);
    const bad = await t.app.inject({ method: 'GET', url: '/v1/memberships?status=dormant', headers: k });
    expect(bad.statusCode).toBe(400);
  });

  it('attendance is idempotent per (member, course, session start)', async () => {
    const rec = { memberId: w.memberId, courseId: 'CP-COURSE-9', membershipTypeId: w.courseTypeId, sessionStart: '2026-06-01T17:00:00Z', status: 'present' };
    const post = (records: object[]) => t.app.inject({ method: 'POST', url: '/v1/attendance', headers: k, payload: { records } });
    const first = await post([rec, { ...rec, sessionStart: '2026-06-08T17:00:00Z' }]);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    // The same instant written with an offset is the same session.
    const repeat = await post([{ ...rec, sessionStart: '2026-06-01T18:00:00+01:00' }]);
    expect(repeat.json()).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(repeat.json().data[0].id).toBe(first.json().data[0].id);
    const changed = await post([{ ...rec, status: 'absent' }]);
    expect(changed.json()).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    const tooMany = await post(Array.from({ length: 501 }, () => rec));
    expect(tooMany.statusCode).toBe(400);
    const noCourse = await post([{ memberId: w.memberId, sessionStart: '2026-06-01T17:00:00Z', status: 'present' }]);
    expect(noCourse.statusCode).toBe(400);
    expect(noCourse.json().errors[0].path).toBe('records.0.courseId');
    const unknown = await post([rec, { ...rec, memberId: 'mem_doesnotexist00' }]);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0].path).toBe('records.1.memberId');
  });

  it('access codes only while a membership is active, signed and expiring', async () => {
    const ok = await t.app.inject({ method: 'GET', url: `/v1/members/${w.memberId}/access-code`, headers: auth(w.keys.innovatise_bridge) });
    expect(ok.statusCode, ok.body).toBe(200);
    const { code, expiresAt } = ok.json();
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(await t.deps.accessCodes.verify(w.env.id, code)).toBe(w.memberId);
    expect(await t.deps.accessCodes.verify(w.env.id, code.slice(0, -2) + (code.endsWith('AA') ? 'BB' : 'AA'))).toBeUndefined();
    const other = await t.deps.environments.create({ slug: 'other-ac', name: 'Other' });
    expect(await t.deps.accessCodes.verify(other.id, code)).toBeUndefined();
    t.clock.set(expiresAt);
    expect(await t.deps.accessCodes.verify(w.env.id, code)).toBeUndefined();
    const lonely = await t.deps.members.create(w.env.id, { firstName: 'No', lastName: 'Membership', email: 'none@example.com' }, SYSTEM_ACTOR);
    const refused = await t.app.inject({ method: 'GET', url: `/v1/members/${lonely.id}/access-code`, headers: auth(w.keys.innovatise_bridge) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('conflict');
  });

  it('the demo seed fills every endpoint', async () => {
    const fresh = await buildTestApp({ seedAdmin: false });
    try {
      await seedIfEmpty(fresh.deps);
      const env = (await fresh.deps.environments.list())[0];
      const { key } = await fresh.deps.keys.create(env.id, { reference: 'demo', purpose: 'flow_api', expiresOn: '2027-01-31' }, SYSTEM_ACTOR);
      const list = async (url: string) => (await fresh.app.inject({ method: 'GET', url, headers: auth(key) })).json().data as Array<Record<string, unknown>>;
      expect((await list('/v1/sites')).length).toBe(3);
      expect((await list('/v1/membership-types?integration=coursepro')).length).toBe(3);
      expect((await list('/v1/members?limit=100')).length).toBe(60);
      const statuses = new Set((await list('/v1/memberships?limit=100')).map((m) => m.status));
      expect([...statuses].sort()).toEqual(['active', 'cancelled', 'expired', 'frozen', 'future', 'lapsed', 'pending', 'suspended']);
    } finally {
      await fresh.close();
    }
  });
});
