import type { Kysely } from 'kysely';
import type { AttendanceTable, Database } from '../db/schema.js';

/** One attendance record: a member at a course session. */
export interface Attendance {
  id: string;
  environmentId: string;
  memberId: string;
  membershipTypeId: string | null;
  courseId: string;
  sessionStart: string;
  status: 'present' | 'absent' | 'cancelled';
  recordedByKeyId: string | null;
  createdAt: string;
  updatedAt: string;
}

function toAttendance(r: AttendanceTable): Attendance {
  return {
    id: r.id,
    environmentId: r.environment_id,
    memberId: r.member_id,
    membershipTypeId: r.membership_type_id,
    courseId: r.course_id,
    sessionStart: r.session_start,
    status: r.status,
    recordedByKeyId: r.recorded_by_key_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The natural key of a record: (member, course, session start). */
export function attendanceKey(a: { memberId: string; courseId: string; sessionStart: string }): string {
  return `${a.memberId}\u0000${a.courseId}\u0000${a.sessionStart}`;
}

/** SQL for attendance and the existence checks it needs. */
export function createAttendanceRepository(db: Kysely<Database>) {
  return {
    /** The ids among `ids` that are members of the environment. */
    async existingMembers(environmentId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('members').select('id').where('environment_id', '=', environmentId).where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },
    /** The ids among `ids` that are membership types of the environment. */
    async existingTypes(environmentId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('membership_types').select('id').where('environment_id', '=', environmentId).where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },
    /**
     * Inserts each record, or updates the stored one with the same natural key when its status differs,
     * in one statement per 200 records (INSERT … ON CONFLICT DO UPDATE … WHERE): concurrent writers of one
     * record never collide on the unique key, whichever commits first. Returns the rows written (inserted
     * ones carry the id given, updated ones keep theirs); a record already stored with that status is not
     * returned. The caller gives each natural key once and in one order, so two batches lock rows in the
     * same order and cannot deadlock.
     */
    async upsertMany(records: Attendance[]): Promise<Attendance[]> {
      const written: Attendance[] = [];
      for (let i = 0; i < records.length; i += 200) {
        const rows = await db
          .insertInto('attendance')
          .values(
            records.slice(i, i + 200).map((a) => ({
              id: a.id,
              environment_id: a.environmentId,
              member_id: a.memberId,
              membership_type_id: a.membershipTypeId,
              course_id: a.courseId,
              session_start: a.sessionStart,
              status: a.status,
              recorded_by_key_id: a.recordedByKeyId,
              created_at: a.createdAt,
              updated_at: a.updatedAt,
            })),
          )
          .onConflict((oc) =>
            oc
              .columns(['environment_id', 'member_id', 'course_id', 'session_start'])
              .doUpdateSet((eb) => ({
                status: eb.ref('excluded.status'),
                membership_type_id: eb.fn.coalesce('excluded.membership_type_id', 'attendance.membership_type_id'),
                recorded_by_key_id: eb.ref('excluded.recorded_by_key_id'),
                updated_at: eb.ref('excluded.updated_at'),
              }))
              .whereRef('attendance.status', '<>', 'excluded.status'),
          )
          .returningAll()
          .execute();
        for (const r of rows) written.push(toAttendance(r));
      }
      return written;
    },
    /** The stored records with these natural keys. */
    async findByKeys(environmentId: string, keys: Array<{ memberId: string; courseId: string; sessionStart: string }>): Promise<Attendance[]> {
      const out: Attendance[] = [];
      for (let i = 0; i < keys.length; i += 200) {
        const rows = await db
          .selectFrom('attendance')
          .selectAll()
          .where('environment_id', '=', environmentId)
          .where((eb) =>
            eb.or(keys.slice(i, i + 200).map((k) => eb.and([eb('member_id', '=', k.memberId), eb('course_id', '=', k.courseId), eb('session_start', '=', k.sessionStart)]))),
          )
          .execute();
        for (const r of rows) out.push(toAttendance(r));
      }
      return out;
    },
  };
}
export type AttendanceRepository = ReturnType<typeof createAttendanceRepository>;
