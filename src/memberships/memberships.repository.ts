import type { Kysely } from 'kysely';
import { reserveSeq } from '../db/change-counter.js';
import type { Database, MembershipStatus, MembershipsTable } from '../db/schema.js';

export type { MembershipStatus } from '../db/schema.js';

/** A member's membership of one type (price in pence as sold). */
export interface Membership {
  id: string;
  environmentId: string;
  memberId: string;
  membershipTypeId: string;
  siteId: string | null;
  status: MembershipStatus;
  startDate: string;
  endDate: string | null;
  pricePence: number;
  source: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  seq: number;
  createdAt: string;
  updatedAt: string;
}

/** A membership with its type's integration (for the CoursePro feed). */
interface MembershipWithIntegration extends Membership {
  integration: 'none' | 'coursepro';
}

function toMembership(r: MembershipsTable): Membership {
  return {
    id: r.id,
    environmentId: r.environment_id,
    memberId: r.member_id,
    membershipTypeId: r.membership_type_id,
    siteId: r.site_id,
    status: r.status,
    startDate: r.start_date,
    endDate: r.end_date,
    pricePence: r.price_pence,
    source: r.source,
    cancelledAt: r.cancelled_at,
    cancelReason: r.cancel_reason,
    seq: Number(r.seq),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toColumns(m: Membership): MembershipsTable {
  return {
    id: m.id,
    environment_id: m.environmentId,
    member_id: m.memberId,
    membership_type_id: m.membershipTypeId,
    site_id: m.siteId,
    status: m.status,
    start_date: m.startDate,
    end_date: m.endDate,
    price_pence: m.pricePence,
    source: m.source,
    cancelled_at: m.cancelledAt,
    cancel_reason: m.cancelReason,
    seq: m.seq,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

/** SQL for memberships. */
export function createMembershipsRepository(db: Kysely<Database>) {
  return {
    /** Reserves `n` change numbers of this table's per-environment counter (in a transaction); returns the first. */
    nextSeq(environmentId: string, n = 1): Promise<number> {
      return reserveSeq(db, environmentId, 'memberships', n);
    },
    /** Inserts a membership; `seq` must come from reserveSeq(…, 'memberships') in the same transaction. */
    async insert(m: Membership): Promise<void> {
      await db.insertInto('memberships').values(toColumns(m)).execute();
    },
    /** Overwrites status, dates, cancellation, seq and updatedAt. */
    async update(m: Membership): Promise<void> {
      await db
        .updateTable('memberships')
        .set({
          status: m.status,
          start_date: m.startDate,
          end_date: m.endDate,
          site_id: m.siteId,
          cancelled_at: m.cancelledAt,
          cancel_reason: m.cancelReason,
          seq: m.seq,
          updated_at: m.updatedAt,
        })
        .where('id', '=', m.id)
        .where('environment_id', '=', m.environmentId)
        .execute();
    },
    async find(id: string, environmentId: string): Promise<Membership | undefined> {
      const r = await db.selectFrom('memberships').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toMembership(r);
    },
    /** A member's memberships, one page ordered by (created_at, id); limit + 1 rows. */
    async listForMember(environmentId: string, memberId: string, q: { limit: number; after?: { createdAt: string; id: string } }): Promise<Membership[]> {
      let query = db.selectFrom('memberships').selectAll().where('environment_id', '=', environmentId).where('member_id', '=', memberId);
      const after = q.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
        );
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit + 1).execute();
      return rows.map(toMembership);
    },
    /** The change feed across members, in change order after `afterSeq`; optional status and integration filters; limit + 1 rows. */
    async listChanged(
      environmentId: string,
      q: { limit: number; updatedSince?: string; afterSeq?: number; integration?: 'none' | 'coursepro'; status?: MembershipStatus; memberId?: string },
    ): Promise<MembershipWithIntegration[]> {
      let query = db
        .selectFrom('memberships as m')
        .innerJoin('membership_types as t', 't.id', 'm.membership_type_id')
        .selectAll('m')
        .select('t.integration')
        .where('m.environment_id', '=', environmentId);
      if (q.updatedSince !== undefined) query = query.where('m.updated_at', '>=', q.updatedSince);
      if (q.afterSeq !== undefined) query = query.where('m.seq', '>', q.afterSeq);
      if (q.integration !== undefined) query = query.where('t.integration', '=', q.integration);
      if (q.status !== undefined) query = query.where('m.status', '=', q.status);
      if (q.memberId !== undefined) query = query.where('m.member_id', '=', q.memberId);
      const rows = await query.orderBy('m.seq').limit(q.limit + 1).execute();
      return rows.map((r) => ({ ...toMembership(r), integration: r.integration }));
    },
    /** True when the member holds a membership in one of these statuses. */
    async hasStatus(environmentId: string, memberId: string, statuses: MembershipStatus[]): Promise<boolean> {
      const r = await db
        .selectFrom('memberships')
        .select('id')
        .where('environment_id', '=', environmentId)
        .where('member_id', '=', memberId)
        .where('status', 'in', statuses)
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
export type MembershipsRepository = ReturnType<typeof createMembershipsRepository>;
