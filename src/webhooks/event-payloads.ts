import type { RecordEvent } from './webhook-events.repository.js';

/*
 * The payload builders the owners call inside their transactions (`tx.webhookEvents.record(build(…))`).
 * Each takes the resource view exactly as the owner's GET route returns it (members: memberView(m), …):
 * the event's `data.object` is that view. Typed structurally, so webhooks/ imports no owner (owners
 * import this module: no folder cycle).
 */

type View = { id: string };

export const webhookEvents = {
  /** members service, create (and each member an import creates): `memberView(m)`. */
  memberCreated: <T extends View>(environmentId: string, member: T): RecordEvent => ({ environmentId, type: 'member.created', data: member }),
  /** members service, update (and an import's update): `memberView(after)`. */
  memberUpdated: <T extends View>(environmentId: string, member: T): RecordEvent => ({ environmentId, type: 'member.updated', data: member }),
  /** memberships service, create (and checkout completing a sale): `membershipView(ms)`. */
  membershipCreated: <T extends View>(environmentId: string, membership: T): RecordEvent => ({ environmentId, type: 'membership.created', data: membership }),
  /** memberships service, any change including every status change (cancel, expiry, payment failure): `membershipView(after)`. */
  membershipUpdated: <T extends View>(environmentId: string, membership: T): RecordEvent => ({ environmentId, type: 'membership.updated', data: membership }),
  /** attendance service, each record written: the record as POST /v1/attendance returns it. */
  attendanceRecorded: <T extends View>(environmentId: string, attendance: T): RecordEvent => ({ environmentId, type: 'attendance.recorded', data: attendance }),
  /** checkout service, the session completing: the SessionView of GET /v1/checkout/sessions/{id}. */
  checkoutSessionCompleted: <T extends View>(environmentId: string, session: T): RecordEvent => ({ environmentId, type: 'checkout.session.completed', data: session }),
  /** checkout service, a session found expired unpaid (once: when its expiry is first recorded). */
  checkoutSessionExpired: <T extends View>(environmentId: string, session: T): RecordEvent => ({ environmentId, type: 'checkout.session.expired', data: session }),
  /** imports service, a job reaching succeeded/failed: the job as GET /v1/member-imports/{id} returns it. */
  memberImportFinished: <T extends View>(environmentId: string, job: T): RecordEvent => ({ environmentId, type: 'member_import.finished', data: job }),
  /** expiry service, the 14-day warning claimed for a key: the `key` part of GET /v1/me (no secret). To that key's endpoints only. */
  apiKeyExpiring: <T extends View>(environmentId: string, key: T): RecordEvent => ({ environmentId, type: 'api_key.expiring', data: key, keyId: key.id }),
  /** keys service (and leaked-key revocation), the key revoked: the `key` part of GET /v1/me. To that key's endpoints only. */
  apiKeyRevoked: <T extends View>(environmentId: string, key: T): RecordEvent => ({ environmentId, type: 'api_key.revoked', data: key, keyId: key.id }),
};
