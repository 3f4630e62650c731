import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { freshDatabase } from '../helpers.js';

const T = '2026-01-01T00:00:00.000Z';

describe('migration 0011 drops the environment foreign keys of audit events and external references, nothing else', () => {
  it('keeps every row and index, still refuses a reference to a missing member, and accepts a log line for any environment', async () => {
    const db = await freshDatabase();
    const store = openStore({ databaseUrl: db.config.databaseUrl, dataDir: db.dataDir });
    try {
      await migrate(store, { to: '0010-checkout-expiry' });
      await sql`insert into environments (id, slug, name, time_zone, active, created_at) values ('env_m', 'demo', 'Demo', 'Europe/London', 1, ${T})`.execute(store.db);
      await sql`insert into members (id, environment_id, member_number, first_name, last_name, email, email_lower, seq, created_at, updated_at)
        values ('mem_a', 'env_m', 'A1', 'Ada', 'Lovelace', 'Ada@x.example', 'ada@x.example', 1, ${T}, ${T})`.execute(store.db);
      await sql`insert into member_external_refs (environment_id, system, external_id, member_id) values ('env_m', 'crm', 'C1', 'mem_a')`.execute(store.db);
      await sql`insert into audit_events (id, environment_id, actor_type, action, target_type, target_id, changes, created_at)
        values ('aud_a', 'env_m', 'system', 'member.created', 'member', 'mem_a', '{"fields":["email"]}', ${T})`.execute(store.db);
      // Before 0011 the database refuses a log line for an environment it does not hold.
      await expect(sql`insert into audit_events (id, environment_id, actor_type, action, created_at) values ('aud_x', 'env_gone', 'system', 'x', ${T})`.execute(store.db)).rejects.toThrow();

      expect(await migrate(store, { to: '0011-log-foreign-keys' })).toEqual(['0011-log-foreign-keys']);

      const refs = await sql<{ environment_id: string; system: string; external_id: string; member_id: string }>`select * from member_external_refs`.execute(store.db);
      expect(refs.rows).toEqual([{ environment_id: 'env_m', system: 'crm', external_id: 'C1', member_id: 'mem_a' }]);
      const audit = await sql<{ id: string; target_id: string; changes: string }>`select id, target_id, changes from audit_events`.execute(store.db);
      expect(audit.rows).toEqual([{ id: 'aud_a', target_id: 'mem_a', changes: '{"fields":["email"]}' }]);

      // The reference's own key, its member's foreign key and the indexes stay.
      await expect(sql`insert into member_external_refs (environment_id, system, external_id, member_id) values ('env_m', 'crm', 'C1', 'mem_a')`.execute(store.db)).rejects.toThrow();
      await expect(sql`insert into member_external_refs (environment_id, system, external_id, member_id) values ('env_m', 'crm', 'C2', 'mem_gone')`.execute(store.db)).rejects.toThrow();
      await expect(sql`insert into audit_events (id, environment_id, actor_type, action, created_at) values ('aud_a', 'env_m', 'system', 'x', ${T})`.execute(store.db)).rejects.toThrow();
      const indexes =
        store.dialect === 'postgres'
          ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename in ('audit_events', 'member_external_refs') order by 1`.execute(store.db)
          : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name in ('audit_events', 'member_external_refs') and sql is not null order by 1`.execute(store.db);
      expect(indexes.rows.map((r) => r.name)).toEqual(
        store.dialect === 'postgres'
          ? ['audit_env_time', 'audit_events_pkey', 'audit_target', 'member_external_refs_member', 'member_external_refs_pk']
          : ['audit_env_time', 'audit_target', 'member_external_refs_member'],
      );

      // What 0011 removes: a log line no longer depends on the environment row.
      await sql`insert into audit_events (id, environment_id, actor_type, action, created_at) values ('aud_y', 'env_gone', 'system', 'x', ${T})`.execute(store.db);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
