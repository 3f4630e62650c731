/** Shapes of the /admin/v1 answers the console reads (mirrors src/keys/keys.schemas.ts). */
export type Role = 'admin' | 'staff';

export interface Session {
  staff: { id: string; email: string; name: string; role: Role; environment: { id: string; slug: string; name: string; timeZone: string } };
  csrfToken: string;
  expiresAt: string;
}

export type KeyStatus = 'active' | 'expiring_soon' | 'expired' | 'revoked';

export interface Theme {
  logoId: string | null;
  logoUrl: string | null;
  primaryColour: string | null;
  secondaryColour: string | null;
}

export interface ApiKey {
  id: string;
  reference: string;
  purpose: string;
  purposeLabel: string;
  permissions: string[];
  preview: string;
  last4: string;
  status: KeyStatus;
  expiresOn: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  createdBy: { id: string; name: string; email: string } | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  previousSecretExpiresAt: string | null;
  theme: Theme;
  allowedIps: string[];
  allowedRedirectOrigins: string[];
  rateLimitPerMinute: number | null;
}

export interface ApiKeyWithSecret extends ApiKey {
  key: string;
}

export interface PurposeInfo {
  id: string;
  label: string;
  description: string;
  permissions: string[];
}

export interface Purposes {
  purposes: PurposeInfo[];
  permissions: { id: string; purposes: string[] }[];
}

export interface UsageDay {
  date: string;
  ok: number;
  failed: number;
  byCode: Record<string, number>;
}

export interface AuditEvent {
  id: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  changes: Record<string, unknown>;
  createdAt: string;
}

export interface FieldError {
  path: string;
  message: string;
}

/** Field path → message, as shown beside each field. */
export type FieldErrors = Record<string, string>;
