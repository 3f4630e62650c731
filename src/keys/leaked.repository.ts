import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { parsePreviousSecrets, type PreviousSecret } from './keys.repository.js';

/** What a leaked-key report needs to know about a key: its hashes and whether it is still live. */
interface LeakCandidate {
  id: string;
  environmentId: string;
  keyHash: string;
  /** Replaced secrets, each with the end of its grace. */
  previousSecrets: PreviousSecret[];
  revokedAt: string | null;
  /** What the api_key.revoked event describes (the `key` of /v1/me). */
  reference: string;
  purpose: string;
  expiresOn: string;
  timeZone: string;
}

const CHUNK = 500;
/** Attempts at ending one grace when concurrent rolls keep changing the list under it. */
const CAS_ATTEMPTS = 5;

/** SQL for leaked-key reports: batch look-up and conditional (race-safe) revocation. */
export function createLeakedRepository(db: Kysely<Database>) {
  return {
    /** The keys with these ids, in any environment (a report names keys, not environments). */
    async findByIds(ids: string[]): Promise<LeakCandidate[]> {
      const out: LeakCandidate[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db
          .selectFrom('api_keys as k')
          .innerJoin('environments as env', 'env.id', 'k.environment_id')
          .select(['k.id', 'k.environment_id', 'k.key_hash', 'k.previous_secrets', 'k.revoked_at', 'k.reference', 'k.purpose', 'k.expires_on', 'env.time_zone'])
          .where('k.id', 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) {
          out.push({ id: r.id, environmentId: r.environment_id, keyHash: r.key_hash, previousSecrets: parsePreviousSecrets(r.previous_secrets),
            revokedAt: r.revoked_at,
            reference: r.reference,
            purpose: r.purpose,
            expiresOn: r.expires_on,
            timeZone: r.time_zone,
          });
        }
      }
      return out;
    },
    /** Revokes the key if its current hash is still `keyHash` and it is not revoked; true when this call did it. */
    async revokeIfLive(id: string, keyHash: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('api_keys')
        .set({ revoked_at: now, updated_at: now })
        .where('id', '=', id)
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /**
     * Ends the grace of the replaced secret `previousHash` at once, keeping the key's other secrets; true
     * when this call did it. Compare-and-set on the stored list, so a concurrent roll is never undone.
     */
    async endGraceIfLive(id: string, previousHash: string, now: string): Promise<boolean> {
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const row = await db.selectFrom('api_keys').select(['previous_secrets']).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
        if (!row) return false;
        const list = parsePreviousSecrets(row.previous_secrets);
        const kept = list.filter((p) => p.hash !== previousHash && p.expiresAt > now);
        if (kept.length === list.filter((p) => p.expiresAt > now).length) return false;
        const r = await db
          .updateTable('api_keys')
          .set({ previous_secrets: JSON.stringify(kept), updated_at: now })
          .where('id', '=', id)
          .where('previous_secrets', '=', row.previous_secrets)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) return true;
      }
      return false;
    },
  };
}
export type LeakedRepository = ReturnType<typeof createLeakedRepository>;
