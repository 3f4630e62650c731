import { grants, type Permission, type Purpose } from '../kernel/permissions.js';

/**
 * The event types (CONTRACT §8) and the permission a key's purpose must grant to receive each: an event
 * carries the resource as GET returns it, so it goes only to keys that may read that resource. `null`:
 * an event about the key itself, delivered only to that key's own endpoints, whatever its purpose.
 *
 * There is no `attendance:read` or `checkout:read`: attendance and checkout sessions are read by the keys
 * that write them (`GET /v1/checkout/sessions/{id}` needs `checkout:write`), so those permissions gate the events.
 */
export const EVENT_PERMISSION = {
  'member.created': 'members:read',
  'member.updated': 'members:read',
  'membership.created': 'memberships:read',
  'membership.updated': 'memberships:read',
  'attendance.recorded': 'attendance:write',
  'checkout.session.completed': 'checkout:write',
  'checkout.session.expired': 'checkout:write',
  'member_import.finished': 'members:import',
  'api_key.expiring': null,
  'api_key.revoked': null,
} as const satisfies Record<string, Permission | null>;

export type EventType = keyof typeof EVENT_PERMISSION;

/** Every event type an endpoint can subscribe to, in documentation order. */
export const EVENT_TYPES = Object.keys(EVENT_PERMISSION) as EventType[];

/** The type of the "send test event" delivery: sent to one endpoint on request, never subscribed to. */
export const TEST_EVENT_TYPE = 'webhook_endpoint.test';

/** One line per type, for the docs and the OpenAPI enum. */
export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'member.created': 'A member was created (API, console or import). `data.object` is the member as GET /v1/members/{id} returns it.',
  'member.updated': 'A member changed. `data.object` is the member after the change.',
  'membership.created': 'A membership was created. `data.object` is the membership as GET /v1/memberships/{id} returns it.',
  'membership.updated': 'A membership changed, including any status change (e.g. cancelled, expired). `data.object` is the membership after the change.',
  'attendance.recorded': 'Attendance was recorded. `data.object` is the attendance record.',
  'checkout.session.completed': 'A hosted checkout session completed. `data.object` is the session as GET /v1/checkout/sessions/{id} returns it.',
  'checkout.session.expired': 'A hosted checkout session expired unpaid. `data.object` is the session.',
  'member_import.finished': 'A member import finished (succeeded or failed). `data.object` is the import job as GET /v1/member-imports/{id} returns it.',
  'api_key.expiring': 'The key that owns this endpoint expires within 14 days. `data.object` is the key as GET /v1/me describes it.',
  'api_key.revoked': 'The key that owns this endpoint was revoked; no further events follow. `data.object` is the key.',
};

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_PERMISSION, value);
}

/** The permission a purpose needs to receive the type (null: only the key's own events). */
export function permissionFor(type: EventType): Permission | null {
  return EVENT_PERMISSION[type];
}

/**
 * Whether an endpoint of a key with `purpose` may receive an event of `type`: a resource event when the
 * purpose grants its read permission; a key event only when it is about that same key.
 */
export function mayReceive(purpose: Purpose, type: EventType, key: { endpointKeyId: string; eventKeyId: string | null }): boolean {
  const permission = EVENT_PERMISSION[type];
  if (permission === null) return key.eventKeyId === key.endpointKeyId;
  return grants(purpose, permission);
}

/** The event types a purpose may subscribe to. */
export function subscribableTypes(purpose: Purpose): EventType[] {
  return EVENT_TYPES.filter((t) => {
    const p = EVENT_PERMISSION[t];
    return p === null || grants(purpose, p);
  });
}
