import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * The key change feed and the list of replaced secrets.
 * - `key_change_head` (one row) numbers every change that alters what verification sees; a writer bumps
 *   it inside its transaction, so the row lock orders commits and `key_changes.seq` has no gaps in
 *   commit order: a node that has read up to n and sees n+2 knows n+1 was pruned.
 * - `api_keys.previous_secrets` (JSON `[{ hash, expiresAt }]`) replaces `previous_key_hash` /
 *   `previous_expires_at`, which could hold one replaced secret only; a secret still inside its grace is
 *   carried over with its own end.
 */
export function keyChangesMigration(dialect: DialectName) {
  const seqType = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('key_change_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', seqType, (c) => c.notNull())
        .execute();
      await sql`insert into key_change_head (id, seq) values (1, 0)`.execute(db);
      await db.schema
        .createTable('key_changes')
        .addColumn('seq', seqType, (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('key_changes_created_at').on('key_changes').column('created_at').execute();

      await db.schema.alterTable('api_keys').addColumn('previous_secrets', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      const rows = await sql<{ id: string; previous_key_hash: string; previous_expires_at: string }>`
        select id, previous_key_hash, previous_expires_at from api_keys where previous_key_hash is not null and previous_expires_at is not null`.execute(db);
      for (const r of rows.rows) {
        const list = JSON.stringify([{ hash: r.previous_key_hash, expiresAt: r.previous_expires_at }]);
        await sql`update api_keys set previous_secrets = ${list} where id = ${r.id}`.execute(db);
      }
      await db.schema.alterTable('api_keys').dropColumn('previous_key_hash').execute();
      await db.schema.alterTable('api_keys').dropColumn('previous_expires_at').execute();
    },
  };
}
