/** The four purposes a key can have, in the order the operator's guide lists them. */
export const PURPOSES = ['import_members', 'innovatise_bridge', 'coursepro_integration', 'flow_api'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Every permission of the public API, `resource:action`. */
export const PERMISSIONS = [
  'sites:read',
  'membership_types:read',
  'members:import',
  'members:read',
  'members:write',
  'memberships:read',
  'memberships:write',
  'attendance:write',
  'access_codes:read',
  'checkout:write',
  'webhooks:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Label and one-line description of each purpose (the operator's guide's words). */
export const PURPOSE_INFO: Record<Purpose, { label: string; description: string }> = {
  import_members: { label: 'Import Members', description: 'For tools importing member data into FLOW.' },
  innovatise_bridge: { label: 'Innovatise Bridge', description: 'For integrations with the Innovatise platform/app.' },
  coursepro_integration: { label: 'CoursePro Integration', description: 'For synchronising data with CoursePro.' },
  flow_api: { label: 'FLOW API', description: 'For general API access or custom integrations.' },
};

/** The single purpose → permission matrix: shown in the console and the docs, enforced on every /v1 route. */
export const MATRIX: Record<Permission, readonly Purpose[]> = {
  'sites:read': ['import_members', 'innovatise_bridge', 'coursepro_integration', 'flow_api'],
  'membership_types:read': ['import_members', 'innovatise_bridge', 'coursepro_integration', 'flow_api'],
  'members:import': ['import_members', 'flow_api'],
  'members:read': ['innovatise_bridge', 'coursepro_integration', 'flow_api'],
  'members:write': ['innovatise_bridge', 'flow_api'],
  'memberships:read': ['innovatise_bridge', 'coursepro_integration', 'flow_api'],
  'memberships:write': ['coursepro_integration', 'flow_api'],
  'attendance:write': ['coursepro_integration', 'flow_api'],
  'access_codes:read': ['innovatise_bridge', 'coursepro_integration', 'flow_api'],
  'checkout:write': ['innovatise_bridge', 'coursepro_integration', 'flow_api'],
  // Every purpose may subscribe to the events it may read (CONTRACT §8).
  'webhooks:manage': ['import_members', 'innovatise_bridge', 'coursepro_integration', 'flow_api'],
};

const GRANTS: Record<Purpose, ReadonlySet<Permission>> = Object.fromEntries(
  PURPOSES.map((p) => [p, new Set(PERMISSIONS.filter((perm) => MATRIX[perm].includes(p)))]),
) as unknown as Record<Purpose, ReadonlySet<Permission>>;

/** The permissions a purpose grants, in matrix order. */
export function permissionsOf(purpose: Purpose): Permission[] {
  return PERMISSIONS.filter((perm) => GRANTS[purpose].has(perm));
}

/** True when the purpose grants the permission. */
export function grants(purpose: Purpose, permission: Permission): boolean {
  return GRANTS[purpose].has(permission);
}

/** Type guard for purpose identifiers. */
export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}

/** The 403 detail: which permission the call needs, which purposes hold it, and what to do. */
export function permissionDeniedDetail(purpose: Purpose, permission: Permission): string {
  const holders = MATRIX[permission].map((p) => `${PURPOSE_INFO[p].label} (${p})`);
  const list = holders.length > 1 ? `${holders.slice(0, -1).join(', ')} or ${holders[holders.length - 1]}` : holders[0];
  return `This call needs the permission ${permission}, which this key's purpose, ${PURPOSE_INFO[purpose].label} (${purpose}), does not grant. Keys with purpose ${list} hold it: create one in the console (System Configuration → Integrations → FLOW API Keys).`;
}
