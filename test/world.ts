import { PURPOSES, type Purpose } from '../src/kernel/permissions.js';
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js';
import type { Environment } from '../src/environments/environments.repository.js';
import { buildTestApp, type TestApp } from './helpers.js';

/** An environment with one key per purpose and a little operator data. */
export interface ApiWorld {
  env: Environment;
  keys: Record<Purpose, string>;
  siteId: string;
  typeId: string;
  courseTypeId: string;
  memberId: string;
  activeMembershipId: string;
}

/** Auth header for a key. */
export function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** Creates an environment (the demo one by default) with keys for every purpose and some data. */
export async function makeWorld(t: TestApp, slug = 'demo'): Promise<ApiWorld> {
  const env = (await t.deps.environments.list()).find((e) => e.slug === slug) ?? (await t.deps.environments.create({ slug, name: slug }));
  const keys = {} as Record<Purpose, string>;
  for (const purpose of PURPOSES) {
    const created = await t.deps.keys.create(env.id, { reference: `${slug} ${purpose}`, purpose, expiresOn: '2027-01-31' }, SYSTEM_ACTOR);
    keys[purpose] = created.key;
  }
  const site = await t.deps.sites.create(env.id, { code: `${slug}-main`, name: `${slug} Leisure Centre`, town: 'Leeds', postcode: 'LS1 1AA' });
  const type = await t.deps.membershipTypes.create(env.id, { name: 'GYM-ADULT-DD', friendlyName: 'Adult Gym Monthly', group: 'Gym', category: 'Adult', pricePence: 3500, paymentType: 'recurring', billingPeriod: 'month' });
  const course = await t.deps.membershipTypes.create(env.id, { name: 'SWIM-STAGE1', friendlyName: 'Swim Stage 1', group: 'Swimming Lessons', category: 'Junior', pricePence: 2600, paymentType: 'recurring', billingPeriod: 'month', integration: 'coursepro' });
  const member = await t.deps.members.create(env.id, { firstName: 'Ada', lastName: 'Lovelace', email: `ada@${slug}.example`, homeSiteId: site.id }, SYSTEM_ACTOR);
  const ms = await t.deps.memberships.create(env.id, { memberId: member.id, membershipTypeId: course.id, siteId: site.id, status: 'active', startDate: '2026-01-01', pricePence: 2600, source: 'test' }, SYSTEM_ACTOR);
  return { env, keys, siteId: site.id, typeId: type.id, courseTypeId: course.id, memberId: member.id, activeMembershipId: ms.id };
}

/** The common world of an API suite: a fresh test app, `makeWorld`'s demo environment, and `k`, the auth header of its `purpose` key. */
export async function apiWorld(purpose: Purpose = 'flow_api', opts: Parameters<typeof buildTestApp>[0] = {}): Promise<{ t: TestApp; w: ApiWorld; k: Record<string, string> }> {
  const t = await buildTestApp(opts);
  const w = await makeWorld(t);
  return { t, w, k: auth(w.keys[purpose]) };
}
