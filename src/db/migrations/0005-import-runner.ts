import type { Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * The process that holds an import job: claimed with a conditional update, and every write of the job's
 * progress is conditional on it, so two processes can never both run (and write) one job.
 */
export function importRunnerMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('import_jobs').addColumn('runner', 'text').execute();
    },
  };
}
