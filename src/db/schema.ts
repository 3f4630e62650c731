/**
 * Row types. Portable across SQLite and PostgreSQL: timestamps are ISO-8601 UTC text
 * (`toISOString()`, sortable as text), dates `YYYY-MM-DD` text, booleans 0/1 integers, JSON as text.
 */
export interface EnvironmentsTable {
  id: string;
  slug: string;
  name: string;
  time_zone: string;
  active: number;
  created_at: string;
}

export interface StaffUsersTable {
  id: string;
  environment_id: string;
  email: string;
  name: string;
  role: 'admin' | 'staff';
  password_hash: string;
  active: number;
  created_at: string;
}

export interface StaffSessionsTable {
  /** SHA-256 (hex) of the session token; the token itself lives only in the cookie. */
  id: string;
  staff_id: string;
  csrf_token: string;
  ip: string | null;
  created_at: string;
  expires_at: string;
}

export interface ApiKeysTable {
  /** `key_` + the 12-character public id embedded in the key. */
  id: string;
  environment_id: string;
  reference: string;
  purpose: string;
  key_hash: string;
  last4: string;
  /** The hash of the secret replaced by the last roll, accepted until previous_expires_at. */
  previous_key_hash: string | null;
  previous_expires_at: string | null;
  expires_on: string;
  revoked_at: string | null;
  logo_id: string | null;
  primary_colour: string | null;
  secondary_colour: string | null;
  /** JSON array of CIDR strings; empty = any address. */
  allowed_ips: string;
  /** JSON array of origins allowed for checkout redirects; empty = any https origin. */
  allowed_redirect_origins: string;
  rate_limit_per_minute: number | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  expiry_warned_at: string | null;
}

export interface LogosTable {
  id: string;
  environment_id: string;
  /** SHA-256 (hex) of the stored PNG: the content address in its URL. */
  sha256: string;
  content_type: string;
  width: number;
  height: number;
  data: Buffer;
  created_at: string;
}

export interface AuditEventsTable {
  id: string;
  environment_id: string;
  actor_type: 'staff' | 'api_key' | 'system' | 'public';
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  /** JSON object of what changed; never a secret. */
  changes: string;
  created_at: string;
}

export interface KeyUsageDailyTable {
  key_id: string;
  day: string;
  outcome: string;
  count: number;
}

/** The whole database; capability migrations add their tables here. */
export interface Database {
  environments: EnvironmentsTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  api_keys: ApiKeysTable;
  logos: LogosTable;
  audit_events: AuditEventsTable;
  key_usage_daily: KeyUsageDailyTable;
}
