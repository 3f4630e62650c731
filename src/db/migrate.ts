import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store, DialectName } from './client.js';
import { coreMigration } from './migrations/0001-core.js';
import { publicApiMigration } from './migrations/0002-public-api.js';
import { checkoutMigration } from './migrations/0003-checkout.js';
import { importErrorValuesMigration } from './migrations/0004-import-error-values.js';
import { importRunnerMigration } from './migrations/0005-import-runner.js';
import { keyChangesMigration } from './migrations/0006-key-changes.js';
import { importFairnessMigration } from './migrations/0008-import-fairness.js';
import { webhooksMigration } from './migrations/0009-webhooks.js';
import { checkoutExpiryMigration } from './migrations/0010-checkout-expiry.js';
import { logForeignKeysMigration } from './migrations/0011-log-foreign-keys.js';
import { memberChecksMigration } from './migrations/0012-member-checks.js';

/** A migration that may differ by engine (e.g. blob vs bytea). */
type PortableMigration = (dialect: DialectName) => Migration;

/** Every migration in order; a capability appends its own here. */
const MIGRATIONS: Array<[string, PortableMigration]> = [
  ['0001-core', coreMigration],
  ['0002-public-api', publicApiMigration],
  ['0003-checkout', checkoutMigration],
  ['0004-import-error-values', importErrorValuesMigration],
  ['0005-import-runner', importRunnerMigration],
  ['0006-key-changes', keyChangesMigration],
  ['0008-import-fairness', importFairnessMigration],
  ['0009-webhooks', webhooksMigration],
  ['0010-checkout-expiry', checkoutExpiryMigration],
  ['0011-log-foreign-keys', logForeignKeysMigration],
  ['0012-member-checks', memberChecksMigration],
];

/**
 * Brings the store's schema up to date (or, for migration tests, to the named migration); safe to run on
 * every start and from several nodes.
 */
export async function migrate(store: Store, opts: { to?: string } = {}): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: async () => Object.fromEntries(MIGRATIONS.map(([name, m]) => [name, m(store.dialect)])),
  };
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = opts.to ? await migrator.migrateTo(opts.to) : await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
