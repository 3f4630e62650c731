import type { Kysely } from 'kysely';
import type { Database, EnvironmentsTable } from '../db/schema.js';

/** An environment: one operator's FLOW installation; every row of operator data belongs to one. */
export interface Environment {
  id: string;
  slug: string;
  name: string;
  timeZone: string;
  active: boolean;
  createdAt: string;
}

function toEnvironment(r: EnvironmentsTable): Environment {
  return { id: r.id, slug: r.slug, name: r.name, timeZone: r.time_zone, active: r.active === 1, createdAt: r.created_at };
}

/** SQL for environments. */
export function createEnvironmentsRepository(db: Kysely<Database>) {
  return {
    async insert(e: Environment): Promise<void> {
      await db
        .insertInto('environments')
        .values({ id: e.id, slug: e.slug, name: e.name, time_zone: e.timeZone, active: e.active ? 1 : 0, created_at: e.createdAt })
        .execute();
    },
    async findBySlug(slug: string): Promise<Environment | undefined> {
      const r = await db.selectFrom('environments').selectAll().where('slug', '=', slug).executeTakeFirst();
      return r && toEnvironment(r);
    },
    async findById(id: string): Promise<Environment | undefined> {
      const r = await db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toEnvironment(r);
    },
    async list(): Promise<Environment[]> {
      const rows = await db.selectFrom('environments').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toEnvironment);
    },
    async count(): Promise<number> {
      const r = await db.selectFrom('environments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
export type EnvironmentsRepository = ReturnType<typeof createEnvironmentsRepository>;
