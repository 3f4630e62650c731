import type { Kysely } from 'kysely';
import type { Database, SitesTable } from '../db/schema.js';

/** A site (a leisure centre, pool or gym) of an environment. */
export interface Site {
  id: string;
  environmentId: string;
  code: string;
  name: string;
  addressLine1: string | null;
  town: string | null;
  postcode: string | null;
  phone: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

function toSite(r: SitesTable): Site {
  return {
    id: r.id,
    environmentId: r.environment_id,
    code: r.code,
    name: r.name,
    addressLine1: r.address_line1,
    town: r.town,
    postcode: r.postcode,
    phone: r.phone,
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** SQL for sites. */
export function createSitesRepository(db: Kysely<Database>) {
  return {
    async insert(s: Site): Promise<void> {
      await db
        .insertInto('sites')
        .values({
          id: s.id,
          environment_id: s.environmentId,
          code: s.code,
          name: s.name,
          address_line1: s.addressLine1,
          town: s.town,
          postcode: s.postcode,
          phone: s.phone,
          active: s.active ? 1 : 0,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
    },
    async find(id: string, environmentId: string): Promise<Site | undefined> {
      const r = await db.selectFrom('sites').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toSite(r);
    },
    /** The ids among `ids` that are sites of the environment (inside the caller's transaction when given). */
    async existing(environmentId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('sites').select('id').where('environment_id', '=', environmentId).where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },
    /** One page ordered by (created_at, id), starting after `after`; fetches limit + 1 to tell if more follow. */
    async list(environmentId: string, q: { limit: number; after?: { createdAt: string; id: string } }): Promise<Site[]> {
      let query = db.selectFrom('sites').selectAll().where('environment_id', '=', environmentId);
      const after = q.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
        );
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit + 1).execute();
      return rows.map(toSite);
    },
  };
}
export type SitesRepository = ReturnType<typeof createSitesRepository>;
