import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** SQL for the per-environment access-code secrets. */
export function createAccessCodesRepository(db: Kysely<Database>) {
  return {
    /** The environment's secret, creating it with `candidate` when there is none (first writer wins). */
    async secretFor(environmentId: string, candidate: string, now: string): Promise<string> {
      await db
        .insertInto('access_code_secrets')
        .values({ environment_id: environmentId, secret: candidate, created_at: now })
        .onConflict((oc) => oc.column('environment_id').doNothing())
        .execute();
      const r = await db.selectFrom('access_code_secrets').select('secret').where('environment_id', '=', environmentId).executeTakeFirstOrThrow();
      return r.secret;
    },
  };
}
export type AccessCodesRepository = ReturnType<typeof createAccessCodesRepository>;
