import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../client.js';

/**
 * Drops the two foreign keys to `environments` that guarded nothing the schema does not already hold, and that a
 * member import paid for on every row:
 * - `audit_events.environment_id`: an audit trail is a log, not a relation; it names what it records and must
 *   not be bound to it (environments are never deleted, and a log's row must not be refused or removed with
 *   what it names);
 * - `member_external_refs.environment_id`: a copy of its member's environment, kept for the (environment,
 *   system, id) primary key; the reference's foreign key to its member, and the member's to its environment,
 *   stay, and the one writer (the members repository) writes the member's own environment.
 * On PostgreSQL each foreign key is a trigger running a query per inserted row: these two were ~10 µs of the
 * ~65 µs the database spent on each imported row (bench/import.js). SQLite cannot drop a constraint, so there
 * the two tables are rebuilt without it, in one transaction.
 */
export function logForeignKeysMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`alter table audit_events drop constraint if exists audit_events_environment_id_fkey`.execute(db);
        await sql`alter table member_external_refs drop constraint if exists member_external_refs_environment_id_fkey`.execute(db);
        return;
      }
      await sql`begin immediate`.execute(db);
      try {
        await sql`create table "audit_events_next" ("id" text primary key, "environment_id" text not null, "actor_type" text not null, "actor_id" text, "actor_label" text, "action" text not null, "target_type" text, "target_id" text, "ip" text, "changes" text default '{}' not null, "created_at" text not null)`.execute(db);
        await sql`insert into "audit_events_next" select "id", "environment_id", "actor_type", "actor_id", "actor_label", "action", "target_type", "target_id", "ip", "changes", "created_at" from "audit_events"`.execute(db);
        await sql`drop table "audit_events"`.execute(db);
        await sql`alter table "audit_events_next" rename to "audit_events"`.execute(db);
        await sql`create index "audit_env_time" on "audit_events" ("environment_id", "created_at")`.execute(db);
        await sql`create index "audit_target" on "audit_events" ("target_id", "created_at")`.execute(db);

        await sql`create table "member_external_refs_next" ("environment_id" text not null, "system" text not null, "external_id" text not null, "member_id" text not null references "members" ("id") on delete cascade, constraint "member_external_refs_pk" primary key ("environment_id", "system", "external_id"))`.execute(db);
        await sql`insert into "member_external_refs_next" select "environment_id", "system", "external_id", "member_id" from "member_external_refs"`.execute(db);
        await sql`drop table "member_external_refs"`.execute(db);
        await sql`alter table "member_external_refs_next" rename to "member_external_refs"`.execute(db);
        await sql`create index "member_external_refs_member" on "member_external_refs" ("member_id")`.execute(db);
        await sql`commit`.execute(db);
      } catch (err) {
        await sql`rollback`.execute(db);
        throw err;
      }
    },
  };
}
