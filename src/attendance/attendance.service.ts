import { AppError, invalid, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { controlCharacterErrors } from '../kernel/rules/control-characters.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { Clock } from '../kernel/time.js';
import { attendanceKey, type Attendance, type AttendanceRepository } from './attendance.repository.js';
import type { RecordAttendanceInput } from './attendance.schemas.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

type Result = 'created' | 'updated' | 'unchanged';

/** A record as POST /v1/attendance answers it (without the per-request `result`): the data.object of attendance.recorded. */
function attendanceView(a: Attendance) {
  return {
    id: a.id,
    memberId: a.memberId,
    membershipTypeId: a.membershipTypeId,
    courseId: a.courseId,
    sessionStart: a.sessionStart,
    status: a.status,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** Attendance sent back by course systems; idempotent per (member, course, session start). */
export function createAttendanceService(deps: { repo: AttendanceRepository; store: UnitOfWork<{ attendance: AttendanceRepository; webhookEvents: WebhookEventsRepository }>; clock: Clock }) {
  const { repo, store, clock } = deps;
  return {
    /**
     * Records up to 500 records in one transaction: new ones are created, a changed status updates the
     * record, a repeat is unchanged — also when concurrent requests send the same record (an upsert, not
     * read-then-insert). Ids not in the environment fail the whole batch (404, naming each record).
     */
    async record(environmentId: string, input: RecordAttendanceInput, keyId: string | null) {
      const badIds: FieldError[] = [];
      const records = input.records.map((r, i) => {
        const courseId = r.courseId ?? r.membershipTypeId;
        if (courseId === undefined) badIds.push({ path: `records.${i}.courseId`, message: 'courseId or membershipTypeId is required' });
        // Ids are one line of text; a NUL would be a 400 from PostgreSQL but stored by SQLite.
        badIds.push(...controlCharacterErrors({ [`records.${i}.memberId`]: r.memberId, [`records.${i}.membershipTypeId`]: r.membershipTypeId, [`records.${i}.courseId`]: r.courseId }));
        // The same instant written with another offset is the same session.
        return { ...r, courseId: courseId ?? '', sessionStart: new Date(r.sessionStart).toISOString(), index: i };
      });
      if (badIds.length > 0) throw invalid(badIds);

      const members = await repo.existingMembers(environmentId, [...new Set(records.map((r) => r.memberId))]);
      const types = await repo.existingTypes(environmentId, [...new Set(records.flatMap((r) => (r.membershipTypeId ? [r.membershipTypeId] : [])))]);
      const unknown: FieldError[] = [];
      for (const r of records) {
        if (!members.has(r.memberId)) unknown.push({ path: `records.${r.index}.memberId`, message: `no member ${r.memberId}` });
        if (r.membershipTypeId && !types.has(r.membershipTypeId)) unknown.push({ path: `records.${r.index}.membershipTypeId`, message: `no membership type ${r.membershipTypeId}` });
      }
      if (unknown.length > 0) throw new AppError('not_found', `${unknown.length} record(s) name members or membership types that do not exist.`, unknown);

      // A record sent more than once in a batch is one record: the last status sent wins, and it is
      // counted and answered once (in the order first sent).
      const distinct = new Map<string, (typeof records)[number]>();
      for (const r of records) {
        const prev = distinct.get(attendanceKey(r));
        distinct.set(attendanceKey(r), prev ? { ...prev, status: r.status, membershipTypeId: r.membershipTypeId ?? prev.membershipTypeId } : r);
      }
      const now = clock.now().toISOString();
      const candidates = [...distinct.entries()]
        .map(([key, r]): [string, Attendance] => [
          key,
          {
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
          },
        ])
        // One lock order for every batch (see upsertMany).
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return store.transaction(async (tx) => {
        const stored = new Map<string, Attendance & { result: Result }>();
        const newIds = new Set(candidates.map(([, a]) => a.id));
        // A written row with the id given was inserted; one that kept its own id was updated.
        for (const a of await tx.attendance.upsertMany(candidates.map(([, a]) => a))) stored.set(attendanceKey(a), { ...a, result: newIds.has(a.id) ? 'created' : 'updated' });
        const untouched = candidates.filter(([key]) => !stored.has(key)).map(([, a]) => a);
        for (const a of await tx.attendance.findByKeys(environmentId, untouched)) stored.set(attendanceKey(a), { ...a, result: 'unchanged' });
        const results = [...distinct.keys()].map((key) => stored.get(key)!);
        const count = (k: Result) => results.filter((x) => x.result === k).length;
        const data = results.map((a) => ({ ...attendanceView(a), result: a.result }));
        // attendance.recorded for each record created or changed (a repeat is not a new recording).
        await tx.webhookEvents.recordMany(results.filter((a) => a.result !== 'unchanged').map((a) => webhookEvents.attendanceRecorded(environmentId, attendanceView(a))));
        return { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), data };
      });
    },
  };
}
export type AttendanceService = ReturnType<typeof createAttendanceService>;
