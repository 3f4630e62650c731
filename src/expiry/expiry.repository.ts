import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A live key that may need an expiry warning. */
interface ExpiryCandidate {
  id: string;
  environmentId: string;
  reference: string;
  purpose: string;
  expiresOn: string;
}

/** SQL for expiry warnings: candidates by date range, and a race-safe claim of each warning. */
export function createExpiryRepository(db: Kysely<Database>) {
  return {
    /** Unrevoked, not-yet-warned keys of every environment expiring between `from` and `until` (dates, inclusive). */
    async candidates(from: string, until: string): Promise<ExpiryCandidate[]> {
      const rows = await db
        .selectFrom('api_keys')
        .select(['id', 'environment_id', 'reference', 'purpose', 'expires_on'])
        .where('revoked_at', 'is', null)
        .where('expiry_warned_at', 'is', null)
        .where('expires_on', '>=', from)
        .where('expires_on', '<=', until)
        .orderBy('expires_on')
        .execute();
      return rows.map((r) => ({ id: r.id, environmentId: r.environment_id, reference: r.reference, purpose: r.purpose, expiresOn: r.expires_on }));
    },
    /** Marks the key warned unless another node already did; true when this call claimed it. */
    async claim(id: string, now: string): Promise<boolean> {
      const r = await db.updateTable('api_keys').set({ expiry_warned_at: now }).where('id', '=', id).where('expiry_warned_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
export type ExpiryRepository = ReturnType<typeof createExpiryRepository>;
