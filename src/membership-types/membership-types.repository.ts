import type { Kysely } from 'kysely';
import type { Database, MembershipTypesTable } from '../db/schema.js';

/** A kind of membership an operator sells (price in pence). */
export interface MembershipType {
  id: string;
  environmentId: string;
  name: string;
  friendlyName: string;
  group: string;
  category: string;
  pricePence: number;
  currency: string;
  paymentType: 'recurring' | 'fixed' | 'session';
  billingPeriod: 'month' | 'year' | null;
  durationMonths: number | null;
  joiningFeePence: number;
  integration: 'none' | 'coursepro';
  siteId: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

function toType(r: MembershipTypesTable): MembershipType {
  return {
    id: r.id,
    environmentId: r.environment_id,
    name: r.name,
    friendlyName: r.friendly_name,
    group: r.group_name,
    category: r.category,
    pricePence: r.price_pence,
    currency: r.currency,
    paymentType: r.payment_type,
    billingPeriod: r.billing_period,
    durationMonths: r.duration_months,
    joiningFeePence: r.joining_fee_pence,
    integration: r.integration,
    siteId: r.site_id,
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** SQL for membership types. */
export function createMembershipTypesRepository(db: Kysely<Database>) {
  return {
    async insert(t: MembershipType): Promise<void> {
      await db
        .insertInto('membership_types')
        .values({
          id: t.id,
          environment_id: t.environmentId,
          name: t.name,
          friendly_name: t.friendlyName,
          group_name: t.group,
          category: t.category,
          price_pence: t.pricePence,
          currency: t.currency,
          payment_type: t.paymentType,
          billing_period: t.billingPeriod,
          duration_months: t.durationMonths,
          joining_fee_pence: t.joiningFeePence,
          integration: t.integration,
          site_id: t.siteId,
          active: t.active ? 1 : 0,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
        })
        .execute();
    },
    async find(id: string, environmentId: string): Promise<MembershipType | undefined> {
      const r = await db.selectFrom('membership_types').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toType(r);
    },
    /** One page ordered by (created_at, id) after `after`; limit + 1 rows. */
    async list(environmentId: string, q: { limit: number; integration?: 'none' | 'coursepro'; after?: { createdAt: string; id: string } }): Promise<MembershipType[]> {
      let query = db.selectFrom('membership_types').selectAll().where('environment_id', '=', environmentId);
      if (q.integration) query = query.where('integration', '=', q.integration);
      const after = q.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
        );
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit + 1).execute();
      return rows.map(toType);
    },
  };
}
export type MembershipTypesRepository = ReturnType<typeof createMembershipTypesRepository>;
