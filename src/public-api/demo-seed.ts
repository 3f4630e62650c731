import { SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { Environment } from '../environments/environments.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { MembershipTypesService } from '../membership-types/membership-types.service.js';
import type { MembershipStatus } from '../memberships/memberships.repository.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import type { SitesService } from '../sites/sites.service.js';
import { addDays, dateIn, type Clock } from '../kernel/time.js';

const FIRST = ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'Oliver', 'Ava', 'George', 'Mia', 'Noah', 'Ella', 'Leo', 'Grace', 'Arthur', 'Freya', 'Oscar', 'Lily', 'Charlie', 'Sophie', 'Thomas'];
const LAST = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Wright', 'Walker', 'Evans', 'Khan', 'Roberts', 'Green', 'Hall', 'Wood', 'Clarke', 'Hughes', 'Edwards'];
/**
 * Demo records have fixed ids, so the examples in /docs (e.g. createMember's `homeSiteId`) work as sent
 * against the demo environment. Only the first-start demo environment is seeded, so they cannot collide.
 */
export function demoId(prefix: 'site' | 'mt' | 'mem' | 'ms', n: number): string {
  return `${prefix}_Demo${String(n).padStart(12, '0')}`;
}

const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Victoria Road', 'Mill Lane'];

/** Demo data of the public API: sites, membership types (some CoursePro), members with memberships in every status. */
export async function seedPublicApi(
  deps: { clock: Clock; sites: SitesService; membershipTypes: MembershipTypesService; members: MembersService; memberships: MembershipsService },
  env: Environment,
): Promise<void> {
  const sites = [
    await deps.sites.create(env.id, { code: 'RVS', name: 'Riverside Leisure Centre', addressLine1: '1 Riverside Way', town: 'Leeds', postcode: 'LS1 4AP', phone: '0113 496 0000' }, demoId('site', 1)),
    await deps.sites.create(env.id, { code: 'NPK', name: 'Northpark Pool & Gym', addressLine1: '22 Park Road', town: 'Harrogate', postcode: 'HG1 5QA', phone: '01423 496 000' }, demoId('site', 2)),
    await deps.sites.create(env.id, { code: 'VLS', name: 'Valley Sports Hall', addressLine1: 'Valley Lane', town: 'Otley', postcode: 'LS21 3AB', phone: '01943 496 000' }, demoId('site', 3)),
  ];
  const types = [
    await deps.membershipTypes.create(env.id, { name: 'GYM-ADULT-DD', friendlyName: 'Adult Gym – Monthly', group: 'Gym', category: 'Adult', pricePence: 3499, paymentType: 'recurring', billingPeriod: 'month', joiningFeePence: 1500 }, demoId('mt', 1)),
    await deps.membershipTypes.create(env.id, { name: 'GYM-CONC-DD', friendlyName: 'Concession Gym – Monthly', group: 'Gym', category: 'Concession', pricePence: 2299, paymentType: 'recurring', billingPeriod: 'month' }, demoId('mt', 2)),
    await deps.membershipTypes.create(env.id, { name: 'ALL-ANNUAL', friendlyName: 'All Inclusive – Annual', group: 'All Inclusive', category: 'Adult', pricePence: 42000, paymentType: 'fixed', durationMonths: 12 }, demoId('mt', 3)),
    await deps.membershipTypes.create(env.id, { name: 'SWIM-CASUAL', friendlyName: 'Casual Swim', group: 'Swimming', category: 'Adult', pricePence: 550, paymentType: 'session' }, demoId('mt', 4)),
    await deps.membershipTypes.create(env.id, { name: 'LTS-STAGE1', friendlyName: 'Learn to Swim – Stage 1', group: 'Swimming Lessons', category: 'Junior', pricePence: 2850, paymentType: 'recurring', billingPeriod: 'month', integration: 'coursepro' }, demoId('mt', 5)),
    await deps.membershipTypes.create(env.id, { name: 'LTS-STAGE2', friendlyName: 'Learn to Swim – Stage 2', group: 'Swimming Lessons', category: 'Junior', pricePence: 2850, paymentType: 'recurring', billingPeriod: 'month', integration: 'coursepro' }, demoId('mt', 6)),
    await deps.membershipTypes.create(env.id, { name: 'LTS-ADULT', friendlyName: 'Adult Swimming Lessons', group: 'Swimming Lessons', category: 'Adult', pricePence: 3600, paymentType: 'recurring', billingPeriod: 'month', integration: 'coursepro' }, demoId('mt', 7)),
    await deps.membershipTypes.create(env.id, { name: 'NPK-GYM-DD', friendlyName: 'Northpark Gym Only', group: 'Gym', category: 'Adult', pricePence: 2599, paymentType: 'recurring', billingPeriod: 'month', siteId: sites[1].id }, demoId('mt', 8)),
  ];
  const statuses: MembershipStatus[] = ['active', 'active', 'active', 'pending', 'future', 'frozen', 'suspended', 'cancelled', 'expired', 'lapsed'];
  const today = dateIn(deps.clock.now(), env.timeZone);
  for (let i = 0; i < 60; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    const site = sites[i % sites.length];
    const junior = i % 4 === 0;
    const year = junior ? 2014 + (i % 8) : 1960 + ((i * 3) % 45);
    const member = await deps.members.create(
      env.id,
      {
        firstName: first,
        lastName: last,
        email: `${first}.${last}${i}@example.com`.toLowerCase(),
        memberNumber: `D${String(100001 + i)}`,
        dateOfBirth: `${year}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
        phone: `07700 900${String(100 + i).padStart(3, '0')}`,
        address: { line1: `${(i % 90) + 1} ${STREETS[i % STREETS.length]}`, town: site.town, postcode: site.postcode },
        homeSiteId: site.id,
        marketingOptIn: i % 3 === 0,
        externalRefs: junior ? [{ system: 'coursepro', id: `CP-${5000 + i}` }] : [],
      },
      SYSTEM_ACTOR,
      demoId('mem', i + 1),
    );
    const status = statuses[i % statuses.length];
    const type = junior ? types[4 + (i % 3)] : types[i % 4];
    const start = status === 'future' ? addDays(today, 14) : addDays(today, -30 * ((i % 18) + 1));
    const end = status === 'expired' || status === 'lapsed' || status === 'cancelled' ? addDays(today, -(i % 20) - 1) : type.paymentType === 'fixed' ? addDays(start, 365) : null;
    await deps.memberships.create(
      env.id,
      { memberId: member.id, membershipTypeId: type.id, siteId: type.siteId ?? site.id, status, startDate: start, endDate: end, pricePence: type.pricePence, source: 'seed' },
      SYSTEM_ACTOR,
      demoId('ms', i + 1),
    );
  }
}
