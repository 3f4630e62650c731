import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { v1Route } from '../http/docs.js';
import { MAX_ATTENDANCE_RECORDS, RecordAttendanceBody, RecordAttendanceResult } from './attendance.schemas.js';
import type { AttendanceService } from './attendance.service.js';

/** POST /v1/attendance. */
export function attendanceRoutes(deps: { attendance: AttendanceService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const r = v1Route(
      'attendance:write',
      ['Attendance'],
      `Record attendance (up to ${MAX_ATTENDANCE_RECORDS} records)`,
      'Idempotent per (member, course, session start): a repeat (also a concurrent one) is `unchanged`, a new status `updated`; a record sent several times in one batch counts once (the last status wins). `courseId` defaults to `membershipTypeId`. The batch is all-or-nothing; unknown members or types answer 404 naming each record.',
    );
    app.post(
      '/attendance',
      { ...r, schema: { ...r.schema, body: RecordAttendanceBody, response: { 200: RecordAttendanceResult, ...problems(400, 401, 403, 404, 413, 415, 429) } } },
      async (request) => deps.attendance.record(request.apiKey.environment.id, request.body, request.apiKey.id),
    );
  };
}
