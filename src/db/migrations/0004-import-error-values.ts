import type { Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/** The rejected cell of each import row error (shown, formula-neutralised, in the CSV error report). */
export function importErrorValuesMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('import_errors').addColumn('value', 'text').execute();
    },
  };
}
