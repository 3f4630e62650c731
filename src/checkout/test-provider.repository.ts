import type { Kysely } from 'kysely';
import type { Database, TestProviderMandatesTable } from '../db/schema.js';

/** SQL for the built-in test provider's direct-debit mandates. */
export function createTestMandatesRepository(db: Kysely<Database>) {
  return {
    async insert(m: TestProviderMandatesTable): Promise<void> {
      await db.insertInto('test_provider_mandates').values(m).execute();
    },
    async find(id: string, environmentId: string): Promise<TestProviderMandatesTable | undefined> {
      return db.selectFrom('test_provider_mandates').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
    },
    /** Moves a pending mandate to `status`; false when it was not pending (already decided). */
    async decide(id: string, environmentId: string, status: 'active' | 'failed', now: string): Promise<boolean> {
      const r = await db
        .updateTable('test_provider_mandates')
        .set({ status, updated_at: now })
        .where('id', '=', id)
        .where('environment_id', '=', environmentId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
export type TestMandatesRepository = ReturnType<typeof createTestMandatesRepository>;
