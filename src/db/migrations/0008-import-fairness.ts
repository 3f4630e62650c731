import type { Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * The size of each import's spool file, so every node can count an environment's queued jobs and spooled bytes
 * against its caps; and an index for that count.
 */
export function importFairnessMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('import_jobs').addColumn('spool_bytes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('import_jobs_environment_status').on('import_jobs').columns(['environment_id', 'status']).execute();
    },
  };
}
