import type { Clock } from '../kernel/time.js';
import { newId } from '../kernel/ids.js';
import { decodeCursor, pageOf } from '../kernel/paging.js';
import type { MembershipType, MembershipTypesRepository } from './membership-types.repository.js';
import type { MembershipTypeView } from './membership-types.schemas.js';

/** The API view of a membership type. */
function membershipTypeView(t: MembershipType): MembershipTypeView {
  return {
    id: t.id,
    name: t.name,
    friendlyName: t.friendlyName,
    group: t.group,
    category: t.category,
    price: { amountPence: t.pricePence, currency: t.currency },
    joiningFeePence: t.joiningFeePence,
    paymentType: t.paymentType,
    billingPeriod: t.billingPeriod,
    durationMonths: t.durationMonths,
    integration: t.integration,
    siteId: t.siteId,
    active: t.active,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** What creating a membership type takes (seed data, tests). */
type MembershipTypeInput = Omit<MembershipType, 'id' | 'environmentId' | 'createdAt' | 'updatedAt' | 'currency' | 'active' | 'billingPeriod' | 'durationMonths' | 'joiningFeePence' | 'integration' | 'siteId'> &
  Partial<Pick<MembershipType, 'currency' | 'active' | 'billingPeriod' | 'durationMonths' | 'joiningFeePence' | 'integration' | 'siteId'>>;

/** Membership types of an environment. */
export function createMembershipTypesService(deps: { repo: MembershipTypesRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /** One page of the environment's membership types, oldest first; `integration` filters. */
    async list(environmentId: string, q: { limit?: number; cursor?: string; integration?: 'none' | 'coursepro' }) {
      const limit = q.limit ?? 25;
      const after = decodeCursor(q.cursor, { c: 'string', i: 'string' });
      const rows = await repo.list(environmentId, { limit, integration: q.integration, after: after && { createdAt: String(after.c), id: String(after.i) } });
      const page = pageOf(rows, limit, (t) => ({ c: t.createdAt, i: t.id }));
      return { data: page.data.map(membershipTypeView), nextCursor: page.nextCursor };
    },
    /** A membership type of the environment, or undefined. */
    find: (id: string, environmentId: string) => repo.find(id, environmentId),
    /** Creates a membership type. */
    async create(environmentId: string, input: MembershipTypeInput, id = newId('mt')): Promise<MembershipType> {
      const now = clock.now().toISOString();
      const t: MembershipType = {
        currency: 'GBP',
        active: true,
        billingPeriod: null,
        durationMonths: null,
        joiningFeePence: 0,
        integration: 'none',
        siteId: null,
        ...input,
        id,
        environmentId,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(t);
      return t;
    },
  };
}
export type MembershipTypesService = ReturnType<typeof createMembershipTypesService>;
