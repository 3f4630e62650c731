// From typebox itself: the console derives its types from this file (see keys.schemas.ts).
import { Type } from 'typebox';

/** The signed-in staff member and the tokens the console needs (GET/POST /admin/v1/session). */
export const SessionSchema = Type.Object({
  staff: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('staff')]),
    environment: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String(), timeZone: Type.String() }),
  }),
  csrfToken: Type.String(),
  expiresAt: Type.String(),
});
