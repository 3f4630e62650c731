import type { Kysely } from 'kysely';

/** An index for the scheduler's checkout expiry sweep: open sessions by expiry. */
export function checkoutExpiryMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('checkout_sessions_status_expires').on('checkout_sessions').columns(['status', 'expires_at']).execute();
    },
  };
}
