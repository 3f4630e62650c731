import type { Permission, Purpose } from '../kernel/permissions.js';

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
