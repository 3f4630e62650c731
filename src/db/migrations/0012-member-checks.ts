import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * The two checks an imported row still paid for one row at a time on PostgreSQL, made once per statement, and
 * the reference's tenancy checked where it was not before:
 * - a member's environment exists (was the foreign key `members.environment_id`);
 * - a reference's member exists **in the reference's environment** (was the foreign key
 *   `member_external_refs.member_id`, which checked only that the member existed, in any environment).
 *
 * Why: each PostgreSQL foreign key is a trigger that runs a query, and locks the referenced row, for every
 * inserted row. For a 1,000-row import batch those were ~9 µs a row each of the ~75 µs the database spent on
 * a row (bench/import.js; the same inserts timed in psql with and without them). A statement-level trigger
 * reads the statement's new rows as a transition table and checks them with one anti-join.
 *
 * What the foreign keys also did, the triggers below keep: the member's environment is locked against deletion
 * until the transaction ends (once per statement, not per row); deleting a member deletes its references (the
 * old `on delete cascade`); an environment that has members cannot be deleted; and the columns the checks read
 * cannot be changed by an UPDATE (the product never changes them; the foreign keys would have re-checked).
 * The one thing not kept is the per-row lock on a reference's member: a member is written in the same
 * transaction as its references (new members are invisible to everyone else until then, and an update holds
 * the member's row lock), and the product never deletes members.
 *
 * SQLite's foreign key checks are plain index probes in the writing process, cheap enough to keep: there this
 * migration adds the environment check of references, as a row trigger, and the same fixed key columns.
 */
export function memberChecksMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`create trigger "member_external_refs_same_environment" before insert on "member_external_refs"
          when not exists (select 1 from "members" where "id" = new."member_id" and "environment_id" = new."environment_id")
          begin select raise(abort, 'member_external_refs: member_id is not a member of the reference''s environment'); end`.execute(db);
        await sql`create trigger "member_external_refs_keys_fixed" before update of "member_id", "environment_id" on "member_external_refs"
          when old."member_id" is not new."member_id" or old."environment_id" is not new."environment_id"
          begin select raise(abort, 'member_external_refs: member_id and environment_id cannot change'); end`.execute(db);
        await sql`create trigger "members_keys_fixed" before update of "id", "environment_id" on "members"
          when old."id" is not new."id" or old."environment_id" is not new."environment_id"
          begin select raise(abort, 'members: id and environment_id cannot change'); end`.execute(db);
        return;
      }
      await sql`alter table members drop constraint if exists members_environment_id_fkey`.execute(db);
      await sql`alter table member_external_refs drop constraint if exists member_external_refs_member_id_fkey`.execute(db);

      await sql`create function flow_members_inserted() returns trigger language plpgsql as $$
        declare missing text;
        begin
          perform 1 from environments where id in (select distinct environment_id from inserted) for key share;
          select n.environment_id into missing from inserted n where not exists (select 1 from environments e where e.id = n.environment_id) limit 1;
          if found then
            raise exception 'insert on table "members" violates its environment check'
              using errcode = 'foreign_key_violation', detail = format('Key (environment_id)=(%s) is not present in table "environments".', missing);
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger members_environment_check after insert on members referencing new table as inserted for each statement execute function flow_members_inserted()`.execute(db);

      await sql`create function flow_member_refs_inserted() returns trigger language plpgsql as $$
        declare bad record;
        begin
          select n.environment_id, n.member_id into bad from inserted n
            where not exists (select 1 from members m where m.id = n.member_id and m.environment_id = n.environment_id) limit 1;
          if found then
            raise exception 'insert on table "member_external_refs" violates its member check'
              using errcode = 'foreign_key_violation', detail = format('Key (environment_id, member_id)=(%s, %s) is not a member of that environment.', bad.environment_id, bad.member_id);
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger member_external_refs_member_check after insert on member_external_refs referencing new table as inserted for each statement execute function flow_member_refs_inserted()`.execute(db);

      await sql`create function flow_keys_fixed() returns trigger language plpgsql as $$
        begin
          raise exception 'the columns % of table "%" cannot change', tg_argv[0], tg_table_name using errcode = 'foreign_key_violation';
        end $$`.execute(db);
      await sql`create trigger members_keys_fixed before update of id, environment_id on members for each row
        when (old.id is distinct from new.id or old.environment_id is distinct from new.environment_id) execute function flow_keys_fixed('id, environment_id')`.execute(db);
      await sql`create trigger member_external_refs_keys_fixed before update of member_id, environment_id on member_external_refs for each row
        when (old.member_id is distinct from new.member_id or old.environment_id is distinct from new.environment_id) execute function flow_keys_fixed('member_id, environment_id')`.execute(db);
      await sql`create trigger environments_keys_fixed before update of id on environments for each row
        when (old.id is distinct from new.id) execute function flow_keys_fixed('id')`.execute(db);

      await sql`create function flow_members_deleted() returns trigger language plpgsql as $$
        begin
          delete from member_external_refs r using deleted d where r.member_id = d.id;
          return null;
        end $$`.execute(db);
      await sql`create trigger members_refs_cascade after delete on members referencing old table as deleted for each statement execute function flow_members_deleted()`.execute(db);

      await sql`create function flow_environments_deleted() returns trigger language plpgsql as $$
        declare env text;
        begin
          select d.id into env from deleted d where exists (select 1 from members m where m.environment_id = d.id) limit 1;
          if found then
            raise exception 'delete on table "environments" violates the members'' environment check'
              using errcode = 'foreign_key_violation', detail = format('Key (id)=(%s) is still referenced from table "members".', env);
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger environments_members_check after delete on environments referencing old table as deleted for each statement execute function flow_environments_deleted()`.execute(db);
    },
  };
}
