import type { Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * Hosted checkout: sessions (with a snapshot of what is sold and of the key's theme), the payments
 * taken for them, and the built-in test provider's direct-debit mandates.
 */
export function checkoutMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('checkout_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('membership_type_id', 'text', (c) => c.notNull().references('membership_types.id'))
        .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
        .addColumn('customer_member_id', 'text', (c) => c.references('members.id'))
        .addColumn('customer_first_name', 'text')
        .addColumn('customer_last_name', 'text')
        .addColumn('customer_email', 'text')
        .addColumn('success_url', 'text', (c) => c.notNull())
        .addColumn('cancel_url', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('amount_pence', 'integer', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('operator_name', 'text', (c) => c.notNull())
        .addColumn('logo_sha256', 'text')
        .addColumn('primary_colour', 'text')
        .addColumn('secondary_colour', 'text')
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addColumn('pending_customer', 'text')
        .addColumn('member_id', 'text', (c) => c.references('members.id'))
        .addColumn('membership_id', 'text', (c) => c.unique().references('memberships.id'))
        .addColumn('payment_id', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('cancelled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('checkout_sessions_env_created').on('checkout_sessions').columns(['environment_id', 'created_at']).execute();

      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('checkout_session_id', 'text', (c) => c.notNull().references('checkout_sessions.id'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount_pence', 'integer', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('provider_ref', 'text', (c) => c.notNull())
        .addColumn('card_brand', 'text')
        .addColumn('card_last4', 'text')
        .addColumn('failure_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        // One payment per attempt: a retried request for the same attempt can never record a second charge.
        .addUniqueConstraint('payments_session_attempt', ['checkout_session_id', 'attempt'])
        .addUniqueConstraint('payments_provider_ref', ['provider', 'provider_ref'])
        .execute();

      await db.schema
        .createTable('test_provider_mandates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('account_holder', 'text', (c) => c.notNull())
        .addColumn('sort_code', 'text', (c) => c.notNull())
        .addColumn('account_last4', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
