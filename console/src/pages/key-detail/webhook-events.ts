import { EVENT_DESCRIPTIONS, subscribableTypes, type EventType } from '../../../../src/webhooks/event-types.js';
import type { ApiKey } from '../../lib/types';

/** The event types the key's purpose may read (the server's own rule, a pure module), with a one-line hint. */
export function eventChoices(apiKey: ApiKey): { type: EventType; hint: string }[] {
  return subscribableTypes(apiKey.purpose).map((type) => ({ type, hint: EVENT_DESCRIPTIONS[type].replace(/`/g, '').split(/\.\s+(?=[A-Z])/)[0] }));
}

/** An endpoint's status in words, with the badge class that colours it (never colour alone). */
export const ENDPOINT_STATUS = {
  enabled: { label: 'Enabled', badge: 'badge-active' },
  paused: { label: 'Paused', badge: 'badge-expiring_soon' },
  disabled: { label: 'Disabled', badge: 'badge-revoked' },
} as const;

/** A delivery's status in words. */
export const DELIVERY_STATUS = {
  pending: { label: 'Pending', badge: 'badge-expiring_soon' },
  succeeded: { label: 'Succeeded', badge: 'badge-active' },
  failed: { label: 'Failed', badge: 'badge-revoked' },
} as const;
