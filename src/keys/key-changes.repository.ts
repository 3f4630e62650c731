import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/client.js';
import type { Database } from '../db/schema.js';

/** The PostgreSQL channel a committed key change is announced on (the payload is its sequence number). */
export const KEY_CHANGES_CHANNEL = 'flow_key_changes';

/** One entry of the key change feed. */
interface KeyChange {
  seq: number;
  keyId: string;
}

/** SQL for the key change feed: written inside every key-changing transaction, read by each node's follower. */
export function createKeyChangesRepository(db: Kysely<Database>, dialect: DialectName) {
  return {
    /**
     * Records that `keyIds` changed, inside the writing transaction. The head row stays locked until
     * commit, so sequence numbers become visible in order and without gaps; on PostgreSQL the NOTIFY is
     * delivered at commit (and dropped with a rollback).
     */
    async record(keyIds: string[], at: string): Promise<void> {
      if (keyIds.length === 0) return;
      const head = await db
        .updateTable('key_change_head')
        .set((eb) => ({ seq: eb('seq', '+', keyIds.length) }))
        .where('id', '=', 1)
        .returning('seq')
        .executeTakeFirstOrThrow();
      const last = Number(head.seq);
      await db
        .insertInto('key_changes')
        .values(keyIds.map((keyId, i) => ({ seq: last - keyIds.length + 1 + i, key_id: keyId, created_at: at })))
        .execute();
      if (dialect === 'postgres') await sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${String(last)})`.execute(db);
    },
    /** The number of the latest committed change. */
    async head(): Promise<number> {
      const r = await db.selectFrom('key_change_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(r.seq);
    },
    /** Changes after `seq`, oldest first. */
    async since(seq: number, limit: number): Promise<KeyChange[]> {
      const rows = await db.selectFrom('key_changes').select(['seq', 'key_id']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
      return rows.map((r) => ({ seq: Number(r.seq), keyId: r.key_id }));
    },
    /** Deletes changes recorded before `before` (ISO-8601); the head keeps counting. */
    async prune(before: string): Promise<number> {
      const r = await db.deleteFrom('key_changes').where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    /**
     * SQLite's `PRAGMA data_version`: changes when another connection (another process, or another store
     * in this one) has committed since this connection last asked. A cheap "is there anything to read?".
     */
    async dataVersion(): Promise<number> {
      const r = await sql<{ data_version: number }>`pragma data_version`.execute(db);
      return Number(r.rows[0].data_version);
    },
  };
}
export type KeyChangesRepository = ReturnType<typeof createKeyChangesRepository>;
