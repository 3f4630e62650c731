import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/db/client.js';
import type { Database } from '../../src/db/schema.js';
import { migrate } from '../../src/db/migrate.js';
import { freshDatabase } from '../helpers.js';

const T = '2026-01-01T00:00:00.000Z';
const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.warn('[members/migration-0012] the two-connection test is skipped: set DATABASE_URL to run it on PostgreSQL');

async function seed(db: Kysely<Database>) {
  for (const env of ['env_a', 'env_b']) {
    await sql`insert into environments (id, slug, name, time_zone, active, created_at) values (${env}, ${env}, ${env}, 'Europe/London', 1, ${T})`.execute(db);
  }
  await sql`insert into environments (id, slug, name, time_zone, active, created_at) values ('env_empty', 'empty', 'Empty', 'Europe/London', 1, ${T})`.execute(db);
  await sql`insert into members (id, environment_id, member_number, first_name, last_name, email, email_lower, seq, created_at, updated_at)
    values ('mem_a', 'env_a', 'A1', 'Ada', 'Lovelace', 'ada@x.example', 'ada@x.example', 1, ${T}, ${T}),
           ('mem_b', 'env_b', 'B1', 'Bob', 'Byte', 'bob@x.example', 'bob@x.example', 1, ${T}, ${T})`.execute(db);
}

const ref = (db: Kysely<Database>, env: string, id: string, member: string) =>
  sql`insert into member_external_refs (environment_id, system, external_id, member_id) values (${env}, 'crm', ${id}, ${member})`.execute(db);

describe('migration 0012: member checks once per statement, and a reference belongs to a member of its own environment', () => {
  it('refuses a reference to a member of another environment (accepted before), and keeps refusing what the foreign keys refused', async () => {
    const fresh = await freshDatabase();
    const store = openStore({ databaseUrl: fresh.config.databaseUrl, dataDir: fresh.dataDir });
    const db = store.db;
    try {
      await migrate(store, { to: '0011-log-foreign-keys' });
      await seed(db);
      // Before 0012: the foreign key checks only that the member exists, in any environment.
      await ref(db, 'env_a', 'LEAK', 'mem_b');
      await sql`delete from member_external_refs where external_id = 'LEAK'`.execute(db);

      expect(await migrate(store)).toEqual(['0012-member-checks']);

      await ref(db, 'env_a', 'C1', 'mem_a');
      // Another environment's member, a missing member: refused, and the statement writes nothing.
      await expect(ref(db, 'env_a', 'C2', 'mem_b')).rejects.toThrow(/member|FOREIGN KEY/);
      await expect(ref(db, 'env_a', 'C3', 'mem_gone')).rejects.toThrow(/member|FOREIGN KEY/);
      // One bad row among good ones refuses the whole statement.
      await expect(
        sql`insert into member_external_refs (environment_id, system, external_id, member_id) values ('env_a', 'crm', 'C4', 'mem_a'), ('env_b', 'crm', 'C5', 'mem_a')`.execute(db),
      ).rejects.toThrow(/member|FOREIGN KEY/);
      const refs = await sql<{ external_id: string }>`select external_id from member_external_refs order by external_id`.execute(db);
      expect(refs.rows.map((r) => r.external_id)).toEqual(['C1']);

      // A member in an environment that does not exist.
      await expect(
        sql`insert into members (id, environment_id, member_number, first_name, last_name, email, email_lower, seq, created_at, updated_at)
          values ('mem_x', 'env_gone', 'X1', 'X', 'Y', 'x@x.example', 'x@x.example', 2, ${T}, ${T})`.execute(db),
      ).rejects.toThrow(/environment|FOREIGN KEY/);
      // The checked columns cannot be moved by an update.
      await expect(sql`update member_external_refs set member_id = 'mem_b' where external_id = 'C1'`.execute(db)).rejects.toThrow();
      await expect(sql`update members set environment_id = 'env_b' where id = 'mem_a'`.execute(db)).rejects.toThrow();
      await expect(sql`update environments set id = 'env_moved' where id = 'env_b'`.execute(db)).rejects.toThrow();
      // Other updates of those rows go through.
      await sql`update members set first_name = 'Augusta' where id = 'mem_a'`.execute(db);

      // An environment with members cannot be deleted; one without can.
      await expect(sql`delete from environments where id = 'env_b'`.execute(db)).rejects.toThrow();
      await sql`delete from environments where id = 'env_empty'`.execute(db);

      // Deleting a member deletes its references (the old "on delete cascade").
      await sql`delete from members where id = 'mem_a'`.execute(db);
      expect((await sql`select * from member_external_refs`.execute(db)).rows).toEqual([]);

      if (store.dialect === 'postgres') {
        // What makes the import cheaper: no per-row foreign-key trigger on these two columns any more.
        const fks = await sql<{ name: string }>`select conname as name from pg_constraint where contype = 'f' and conrelid in ('members'::regclass, 'member_external_refs'::regclass) order by 1`.execute(db);
        expect(fks.rows.map((r) => r.name)).toEqual(['members_home_site_id_fkey']);
      }
    } finally {
      await store.close();
      await fresh.drop();
    }
  });

  // PostgreSQL only: SQLite has one writer at a time, and keeps its per-row foreign keys.
  it.skipIf(!onPostgres)('a second connection cannot delete an environment while a member is being written to it', async () => {
    const fresh = await freshDatabase();
    const store = openStore({ databaseUrl: fresh.config.databaseUrl, dataDir: fresh.dataDir });
    const writer = new pg.Client({ connectionString: fresh.config.databaseUrl });
    const deleter = new pg.Client({ connectionString: fresh.config.databaseUrl });
    try {
      await migrate(store);
      await sql`insert into environments (id, slug, name, time_zone, active, created_at) values ('env_a', 'a', 'A', 'Europe/London', 1, ${T})`.execute(store.db);
      await writer.connect();
      await deleter.connect();
      await writer.query('begin');
      await writer.query(`insert into members (id, environment_id, member_number, first_name, last_name, email, email_lower, seq, created_at, updated_at)
        values ('mem_w', 'env_a', 'W1', 'W', 'W', 'w@x.example', 'w@x.example', 1, $1, $1)`, [T]);
      // The statement's check locked the environment: the delete waits for the writer instead of passing it.
      let settled = false;
      const deleting = deleter.query(`delete from environments where id = 'env_a'`).then(
        () => ((settled = true), 'deleted'),
        (err: Error) => ((settled = true), err.message),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      await writer.query('commit');
      // Once the member is committed the environment is in use: the delete is refused, and both rows stay.
      expect(await deleting).toMatch(/environment/);
      const left = await sql<{ n: string }>`select (select count(*) from environments) + (select count(*) from members) as n`.execute(store.db);
      expect(Number(left.rows[0].n)).toBe(2);
    } finally {
      await writer.end().catch(() => undefined);
      await deleter.end().catch(() => undefined);
      await store.close();
      await fresh.drop();
    }
  });
});
