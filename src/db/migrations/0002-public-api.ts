import type { Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * Operator data behind the public API: sites, membership types, members (+ external references),
 * memberships, attendance, member-import jobs and their row errors, idempotency records, and the
 * per-environment change counters that give the `updatedSince` feeds a gapless order.
 */
export function publicApiMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('change_counters')
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('change_counters_pk', ['environment_id', 'name'])
        .execute();

      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address_line1', 'text')
        .addColumn('town', 'text')
        .addColumn('postcode', 'text')
        .addColumn('phone', 'text')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('sites_env_code', ['environment_id', 'code'])
        .execute();
      await db.schema.createIndex('sites_env_created').on('sites').columns(['environment_id', 'created_at', 'id']).execute();

      await db.schema
        .createTable('membership_types')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('friendly_name', 'text', (c) => c.notNull())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('price_pence', 'integer', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull().defaultTo('GBP'))
        .addColumn('payment_type', 'text', (c) => c.notNull())
        .addColumn('billing_period', 'text')
        .addColumn('duration_months', 'integer')
        .addColumn('joining_fee_pence', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('integration', 'text', (c) => c.notNull().defaultTo('none'))
        .addColumn('site_id', 'text', (c) => c.references('sites.id'))
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mt_env_created').on('membership_types').columns(['environment_id', 'created_at', 'id']).execute();

      await db.schema
        .createTable('members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('member_number', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_lower', 'text', (c) => c.notNull())
        .addColumn('date_of_birth', 'text')
        .addColumn('phone', 'text')
        .addColumn('address_line1', 'text')
        .addColumn('address_line2', 'text')
        .addColumn('town', 'text')
        .addColumn('postcode', 'text')
        .addColumn('home_site_id', 'text', (c) => c.references('sites.id'))
        .addColumn('marketing_opt_in', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('external_refs', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('members_env_number', ['environment_id', 'member_number'])
        .execute();
      await db.schema.createIndex('members_env_created').on('members').columns(['environment_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('members_env_seq').on('members').columns(['environment_id', 'seq']).execute();
      await db.schema.createIndex('members_env_email').on('members').columns(['environment_id', 'email_lower']).execute();

      await db.schema
        .createTable('member_external_refs')
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('system', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('member_external_refs_pk', ['environment_id', 'system', 'external_id'])
        .execute();
      await db.schema.createIndex('member_external_refs_member').on('member_external_refs').column('member_id').execute();

      await db.schema
        .createTable('memberships')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
        .addColumn('membership_type_id', 'text', (c) => c.notNull().references('membership_types.id'))
        .addColumn('site_id', 'text', (c) => c.references('sites.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_date', 'text', (c) => c.notNull())
        .addColumn('end_date', 'text')
        .addColumn('price_pence', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('cancelled_at', 'text')
        .addColumn('cancel_reason', 'text')
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('memberships_env_created').on('memberships').columns(['environment_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('memberships_env_seq').on('memberships').columns(['environment_id', 'seq']).execute();
      await db.schema.createIndex('memberships_member').on('memberships').columns(['member_id', 'created_at']).execute();

      await db.schema
        .createTable('attendance')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
        .addColumn('membership_type_id', 'text', (c) => c.references('membership_types.id'))
        .addColumn('course_id', 'text', (c) => c.notNull())
        .addColumn('session_start', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('recorded_by_key_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('attendance_natural', ['environment_id', 'member_id', 'course_id', 'session_start'])
        .execute();

      await db.schema
        .createTable('import_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('api_key_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_created', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_updated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_unchanged', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_rejected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('committed_through_row', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failure', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('import_jobs_status').on('import_jobs').columns(['status', 'updated_at']).execute();

      await db.schema
        .createTable('import_errors')
        .addColumn('job_id', 'text', (c) => c.notNull().references('import_jobs.id').onDelete('cascade'))
        .addColumn('ord', 'integer', (c) => c.notNull())
        .addColumn('row_number', 'integer', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_errors_pk', ['job_id', 'ord'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('idem_key', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['environment_id', 'api_key_id', 'idem_key'])
        .execute();
      await db.schema
        .createTable('access_code_secrets')
        .addColumn('environment_id', 'text', (c) => c.primaryKey().references('environments.id'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();
    },
  };
}
