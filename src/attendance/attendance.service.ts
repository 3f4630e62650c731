import { AppError, invalid, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import type { Clock } from '../time.js';
import { attendanceKey, type Attendance, type AttendanceRepository } from './attendance.repository.js';
import type { RecordAttendanceInput } from './attendance.schemas.js';

type Result = 'created' | 'updated' | 'unchanged';

/** Attendance sent back by course systems; idempotent per (member, course, session start). */
export function createAttendanceService(deps: { repo: AttendanceRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /**
     * Records up to 500 records in one transaction: new ones are created, a changed status updates the
     * record, a repeat is unchanged. Ids not in the environment fail the whole batch (404, naming each record).
     */
    async record(environmentId: string, input: RecordAttendanceInput, keyId: string | null) {
      const missingCourse: FieldError[] = [];
      const records = input.records.map((r, i) => {
        const courseId = r.courseId ?? r.membershipTypeId;
        if (courseId === undefined) missingCourse.push({ path: `records.${i}.courseId`, message: 'courseId or membershipTypeId is required' });
        // The same instant written with another offset is the same session.
        return { ...r, courseId: courseId ?? '', sessionStart: new Date(r.sessionStart).toISOString(), index: i };
      });
      if (missingCourse.length > 0) throw invalid(missingCourse);

      const members = await repo.existingMembers(environmentId, [...new Set(records.map((r) => r.memberId))]);
      const types = await repo.existingTypes(environmentId, [...new Set(records.flatMap((r) => (r.membershipTypeId ? [r.membershipTypeId] : [])))]);
      const unknown: FieldError[] = [];
      for (const r of records) {
        if (!members.has(r.memberId)) unknown.push({ path: `records.${r.index}.memberId`, message: `no member ${r.memberId}` });
        if (r.membershipTypeId && !types.has(r.membershipTypeId)) unknown.push({ path: `records.${r.index}.membershipTypeId`, message: `no membership type ${r.membershipTypeId}` });
      }
      if (unknown.length > 0) throw new AppError('not_found', `${unknown.length} record(s) name members or membership types that do not exist.`, unknown);

      const now = clock.now().toISOString();
      return repo.transaction(async (trx) => {
        const existing = await repo.findExisting(trx, environmentId, [...members], [...new Set(records.map((r) => r.sessionStart))]);
        const results: Array<Attendance & { result: Result }> = [];
        const inserts: Attendance[] = [];
        const seenInBatch = new Map<string, Attendance & { result: Result }>();
        for (const r of records) {
          const key = attendanceKey(r);
          const prior = seenInBatch.get(key) ?? existing.get(key);
          let out: Attendance & { result: Result };
          if (!prior) {
            const a: Attendance = {
              id: newId('att'),
              environmentId,
              memberId: r.memberId,
              membershipTypeId: r.membershipTypeId ?? null,
              courseId: r.courseId,
              sessionStart: r.sessionStart,
              status: r.status,
              recordedByKeyId: keyId,
              createdAt: now,
              updatedAt: now,
            };
            inserts.push(a);
            out = { ...a, result: 'created' };
          } else if (prior.status === r.status) {
            out = { ...prior, result: seenInBatch.has(key) ? (prior as Attendance & { result: Result }).result : 'unchanged' };
          } else {
            const a: Attendance = { ...prior, status: r.status, membershipTypeId: r.membershipTypeId ?? prior.membershipTypeId, recordedByKeyId: keyId, updatedAt: now };
            const wasNew = inserts.find((x) => x.id === a.id);
            if (wasNew) wasNew.status = a.status;
            else await repo.updateStatus(trx, a);
            out = { ...a, result: wasNew ? 'created' : 'updated' };
          }
          seenInBatch.set(key, out);
          results.push(out);
        }
        await repo.insertMany(trx, inserts);
        const count = (k: Result) => results.filter((x) => x.result === k).length;
        return {
          created: count('created'),
          updated: count('updated'),
          unchanged: count('unchanged'),
          data: results.map((a) => ({
            id: a.id,
            memberId: a.memberId,
            membershipTypeId: a.membershipTypeId,
            courseId: a.courseId,
            sessionStart: a.sessionStart,
            status: a.status,
            result: a.result,
            createdAt: a.createdAt,
            updatedAt: a.updatedAt,
          })),
        };
      });
    },
  };
}
export type AttendanceService = ReturnType<typeof createAttendanceService>;
