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
    transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
      return db.transaction().execute(fn);
    },
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
    /** Existing records of these members at these session starts, by natural key. */
    async findExisting(trx: Kysely<Database>, environmentId: string, memberIds: string[], sessionStarts: string[]): Promise<Map<string, Attendance>> {
      const out = new Map<string, Attendance>();
      if (memberIds.length === 0) return out;
      const rows = await trx
        .selectFrom('attendance')
        .selectAll()
        .where('environment_id', '=', environmentId)
        .where('member_id', 'in', memberIds)
        .where('session_start', 'in', sessionStarts)
        .execute();
      for (const r of rows) out.set(attendanceKey({ memberId: r.member_id, courseId: r.course_id, sessionStart: r.session_start }), toAttendance(r));
      return out;
    },
    async insertMany(trx: Kysely<Database>, records: Attendance[]): Promise<void> {
      for (let i = 0; i < records.length; i += 200) {
        await trx
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
          .execute();
      }
    },
    async updateStatus(trx: Kysely<Database>, a: Attendance): Promise<void> {
      await trx
        .updateTable('attendance')
        .set({ status: a.status, membership_type_id: a.membershipTypeId, recorded_by_key_id: a.recordedByKeyId, updated_at: a.updatedAt })
        .where('id', '=', a.id)
        .where('environment_id', '=', a.environmentId)
        .execute();
    },
  };
}
export type AttendanceRepository = ReturnType<typeof createAttendanceRepository>;
