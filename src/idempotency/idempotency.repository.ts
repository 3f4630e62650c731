import type { Kysely } from 'kysely';
import type { Database, IdempotencyKeysTable } from '../db/schema.js';

/** SQL for idempotency records. */
export function createIdempotencyRepository(db: Kysely<Database>) {
  return {
    async find(environmentId: string, apiKeyId: string, key: string): Promise<IdempotencyKeysTable | undefined> {
      return db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('environment_id', '=', environmentId)
        .where('api_key_id', '=', apiKeyId)
        .where('idem_key', '=', key)
        .executeTakeFirst();
    },
    /** Inserts the claim; false when another request holds the key already. */
    async claim(row: IdempotencyKeysTable): Promise<boolean> {
      const r = await db
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['environment_id', 'api_key_id', 'idem_key']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async complete(environmentId: string, apiKeyId: string, key: string, statusCode: number, body: string): Promise<void> {
      await db
        .updateTable('idempotency_keys')
        .set({ status_code: statusCode, response_body: body })
        .where('environment_id', '=', environmentId)
        .where('api_key_id', '=', apiKeyId)
        .where('idem_key', '=', key)
        .execute();
    },
    async release(environmentId: string, apiKeyId: string, key: string): Promise<void> {
      await db.deleteFrom('idempotency_keys').where('environment_id', '=', environmentId).where('api_key_id', '=', apiKeyId).where('idem_key', '=', key).execute();
    },
    async deleteExpired(now: string): Promise<void> {
      await db.deleteFrom('idempotency_keys').where('expires_at', '<', now).execute();
    },
  };
}
export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
