import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** What a leaked-key report needs to know about a key: its hashes and whether it is still live. */
export interface LeakCandidate {
  id: string;
  environmentId: string;
  keyHash: string;
  previousKeyHash: string | null;
  previousExpiresAt: string | null;
  revokedAt: string | null;
}

const CHUNK = 500;

/** SQL for leaked-key reports: batch look-up and conditional (race-safe) revocation. */
export function createLeakedRepository(db: Kysely<Database>) {
  return {
    /** The keys with these ids, in any environment (a report names keys, not environments). */
    async findByIds(ids: string[]): Promise<LeakCandidate[]> {
      const out: LeakCandidate[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db
          .selectFrom('api_keys')
          .select(['id', 'environment_id', 'key_hash', 'previous_key_hash', 'previous_expires_at', 'revoked_at'])
          .where('id', 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) {
          out.push({
            id: r.id,
            environmentId: r.environment_id,
            keyHash: r.key_hash,
            previousKeyHash: r.previous_key_hash,
            previousExpiresAt: r.previous_expires_at,
            revokedAt: r.revoked_at,
          });
        }
      }
      return out;
    },
    /** Revokes the key if its current hash is still `keyHash` and it is not revoked; true when this call did it. */
    async revokeIfLive(id: string, keyHash: string, now: string, trx: Kysely<Database>): Promise<boolean> {
      const r = await trx
        .updateTable('api_keys')
        .set({ revoked_at: now, updated_at: now })
        .where('id', '=', id)
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Ends a roll's grace period at once if the previous secret is still `previousHash`; true when this call did it. */
    async endGraceIfLive(id: string, previousHash: string, now: string, trx: Kysely<Database>): Promise<boolean> {
      const r = await trx
        .updateTable('api_keys')
        .set({ previous_key_hash: null, previous_expires_at: null, updated_at: now })
        .where('id', '=', id)
        .where('previous_key_hash', '=', previousHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
      return db.transaction().execute(fn);
    },
  };
}
export type LeakedRepository = ReturnType<typeof createLeakedRepository>;
