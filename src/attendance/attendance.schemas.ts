import { Type, type Static } from '@fastify/type-provider-typebox';

/** The most records one POST /v1/attendance takes. */
export const MAX_ATTENDANCE_RECORDS = 500;

const AttendanceStatus = Type.Union([Type.Literal('present'), Type.Literal('absent'), Type.Literal('cancelled')]);

const AttendanceRecordInput = Type.Object(
  {
    memberId: Type.String({ minLength: 1, maxLength: 64 }),
    membershipTypeId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    courseId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The course in the calling system (e.g. CoursePro); defaults to membershipTypeId.' })),
    sessionStart: Type.String({ format: 'date-time' }),
    status: AttendanceStatus,
  },
  { additionalProperties: false },
);

export const RecordAttendanceBody = Type.Object(
  { records: Type.Array(AttendanceRecordInput, { minItems: 1, maxItems: MAX_ATTENDANCE_RECORDS }) },
  { additionalProperties: false },
);
export type RecordAttendanceInput = Static<typeof RecordAttendanceBody>;

export const AttendanceSchema = Type.Object(
  {
    id: Type.String({ examples: ['att_3kTq9aP2xW7mZ1bC'] }),
    memberId: Type.String(),
    membershipTypeId: Type.Union([Type.String(), Type.Null()]),
    courseId: Type.String(),
    sessionStart: Type.String(),
    status: AttendanceStatus,
    result: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Attendance' },
);

export const RecordAttendanceResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  data: Type.Array(Type.Ref('Attendance')),
});
