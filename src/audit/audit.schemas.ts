// From typebox itself: the console derives its types from this file (see keys.schemas.ts).
import { Type } from 'typebox';

/** An audit event as /admin/v1/audit-events shows it. */
export const AuditEventSchema = Type.Object({
  id: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]), label: Type.Union([Type.String(), Type.Null()]) }),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
});
