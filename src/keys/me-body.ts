import { permissionsOf, type Permission, type Purpose } from '../kernel/permissions.js';
import { endOfDay } from '../kernel/time.js';

/** What the /v1/me body shows of a verified key (a structural subset, so the verifier can build it without the route). */
interface MeSource {
  id: string;
  reference: string;
  purpose: Purpose;
  expiresOn: string;
  expiresAt: string;
  permissionList: Permission[];
  environment: { id: string; slug: string; name: string };
}

/** The /v1/me body for a key (the shape of MeSchema), serialised once per cache fill by the verifier. */
export function meBody(k: MeSource) {
  return {
    environment: { id: k.environment.id, slug: k.environment.slug, name: k.environment.name },
    key: { id: k.id, reference: k.reference, purpose: k.purpose, expiresOn: k.expiresOn, expiresAt: k.expiresAt, permissions: k.permissionList },
  };
}

/**
 * The `key` part of /v1/me from a stored key and its environment's time zone: the data.object of the
 * api_key.expiring and api_key.revoked events (the verifier builds the same from its cache entry).
 */
export function meKey(k: { id: string; reference: string; purpose: Purpose; expiresOn: string }, timeZone: string) {
  return meBody({ ...k, expiresAt: new Date(endOfDay(k.expiresOn, timeZone)).toISOString(), permissionList: permissionsOf(k.purpose), environment: { id: '', slug: '', name: '' } }).key;
}
