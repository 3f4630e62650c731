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

interface StaffSessionsTable {
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
  /** JSON array `[{ hash, expiresAt }]`: secrets replaced by rolls, each accepted until its own end (at most 10). */
  previous_secrets: string;
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

interface LogosTable {
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

interface KeyUsageDailyTable {
  key_id: string;
  day: string;
  outcome: string;
  count: number;
}

/** Per-environment counters; `seq` columns draw from them inside the writing transaction (gapless feeds). */
interface ChangeCountersTable {
  environment_id: string;
  name: string;
  value: number;
}

/** The one-row counter of key changes; bumped inside every writing transaction (row lock = commit order). */
interface KeyChangeHeadTable {
  id: number;
  seq: number;
}

/** A change to what verification sees about a key (created, updated, revoked, rolled, grace ended). */
interface KeyChangesTable {
  seq: number;
  key_id: string;
  created_at: string;
}

export interface SitesTable {
  id: string;
  environment_id: string;
  code: string;
  name: string;
  address_line1: string | null;
  town: string | null;
  postcode: string | null;
  phone: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface MembershipTypesTable {
  id: string;
  environment_id: string;
  name: string;
  friendly_name: string;
  group_name: string;
  category: string;
  price_pence: number;
  currency: string;
  payment_type: 'recurring' | 'fixed' | 'session';
  /** For recurring types: how often the price is charged. */
  billing_period: 'month' | 'year' | null;
  /** For fixed types: how long the membership lasts. */
  duration_months: number | null;
  joining_fee_pence: number;
  integration: 'none' | 'coursepro';
  /** Null: sold at every site. */
  site_id: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface MembersTable {
  id: string;
  environment_id: string;
  member_number: string;
  first_name: string;
  last_name: string;
  email: string;
  /** Lower-cased email for case-insensitive look-ups on both engines. */
  email_lower: string;
  date_of_birth: string | null;
  phone: string | null;
  address_line1: string | null;
  address_line2: string | null;
  town: string | null;
  postcode: string | null;
  home_site_id: string | null;
  marketing_opt_in: number;
  /** JSON array of `{ system, id }`; mirrored in member_external_refs for look-ups. */
  external_refs: string;
  /** Change sequence (per environment): orders the updatedSince feed and is the ETag. */
  seq: number;
  created_at: string;
  updated_at: string;
}

interface MemberExternalRefsTable {
  environment_id: string;
  system: string;
  external_id: string;
  member_id: string;
}

export type MembershipStatus = 'pending' | 'future' | 'active' | 'frozen' | 'suspended' | 'cancelled' | 'expired' | 'lapsed';

export interface MembershipsTable {
  id: string;
  environment_id: string;
  member_id: string;
  membership_type_id: string;
  site_id: string | null;
  status: MembershipStatus;
  start_date: string;
  end_date: string | null;
  price_pence: number;
  /** Where it came from: seed, api, checkout, import. */
  source: string;
  cancelled_at: string | null;
  cancel_reason: string | null;
  seq: number;
  created_at: string;
  updated_at: string;
}

export interface AttendanceTable {
  id: string;
  environment_id: string;
  member_id: string;
  membership_type_id: string | null;
  /** The course (e.g. CoursePro's id); the membership type id when no course was given. */
  course_id: string;
  session_start: string;
  status: 'present' | 'absent' | 'cancelled';
  recorded_by_key_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ImportJobsTable {
  id: string;
  environment_id: string;
  api_key_id: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  dry_run: number;
  format: 'csv' | 'json' | 'ndjson';
  rows_read: number;
  rows_created: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
  /** Every row up to this number is committed (batches commit whole). */
  committed_through_row: number;
  failure: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** The process holding the job (0005); every progress write is conditional on it. */
  runner: string | null;
  /** Size of the job's spool file (0008), counted against the environment's spool cap while the job is unfinished. */
  spool_bytes: number;
}

interface ImportErrorsTable {
  job_id: string;
  ord: number;
  row_number: number;
  field: string;
  reason: string;
  /** The rejected cell (first 200 characters), or null. */
  value: string | null;
}

export interface IdempotencyKeysTable {
  environment_id: string;
  api_key_id: string;
  idem_key: string;
  /** e.g. `POST /v1/members`. */
  operation: string;
  /** SHA-256 of the canonical request body. */
  request_hash: string;
  /** Null while the first request is still running. */
  status_code: number | null;
  response_body: string | null;
  created_at: string;
  expires_at: string;
}

/** The per-environment HMAC secret of member access codes (random, made on first use). */
interface AccessCodeSecretsTable {
  environment_id: string;
  secret: string;
  created_at: string;
}

type CheckoutSessionStatus = 'open' | 'completed' | 'expired' | 'cancelled';

/** A hosted checkout session; what is sold and the key's theme are snapshotted at creation. */
export interface CheckoutSessionsTable {
  /** `cs_` + 22 base62 characters (≥ 128 random bits): the bearer secret of the hosted page. */
  id: string;
  environment_id: string;
  api_key_id: string;
  /** Stored `open` until completed or cancelled; `expired` is derived from expires_at when read. */
  status: CheckoutSessionStatus;
  membership_type_id: string;
  site_id: string;
  /** Set when the integration named an existing member. */
  customer_member_id: string | null;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_email: string | null;
  success_url: string;
  cancel_url: string;
  reference: string | null;
  /** JSON snapshot of what is sold (names, price, payment type) for the page. */
  item: string;
  /** Due today, in pence (price plus any joining fee). */
  amount_pence: number;
  currency: string;
  operator_name: string;
  logo_sha256: string | null;
  primary_colour: string | null;
  secondary_colour: string | null;
  /** The hosted forms' CSRF token (random, compared in constant time). */
  csrf_token: string;
  /** Payment attempts started so far; each attempt holds `locked_until` while it runs. */
  attempt: number;
  locked_until: string | null;
  /** JSON of the customer's details while a card payment waits for confirmation. */
  pending_customer: string | null;
  member_id: string | null;
  membership_id: string | null;
  payment_id: string | null;
  expires_at: string;
  completed_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A payment taken (or being taken) for a checkout session, as the provider reported it. */
export interface PaymentsTable {
  id: string;
  environment_id: string;
  checkout_session_id: string;
  attempt: number;
  provider: string;
  method: 'card' | 'direct_debit';
  /** requires_action (card confirmation), pending (mandate not yet confirmed), succeeded, failed. */
  status: 'requires_action' | 'pending' | 'succeeded' | 'failed';
  amount_pence: number;
  currency: string;
  /** The provider's id of the charge or mandate. */
  provider_ref: string;
  card_brand: string | null;
  card_last4: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** The built-in test provider's direct-debit mandates (no full account number is stored). */
export interface TestProviderMandatesTable {
  id: string;
  environment_id: string;
  account_holder: string;
  sort_code: string;
  account_last4: string;
  status: 'pending' | 'active' | 'failed';
  created_at: string;
  updated_at: string;
}

/** The whole database; capability migrations add their tables here. */
/** A webhook endpoint: belongs to one API key; receives the events of its types that the key's purpose may read. */
export interface WebhookEndpointsTable {
  /** `we_` + 16 base62 characters. */
  id: string;
  environment_id: string;
  api_key_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types. */
  events: string;
  /** The `whsec_…` signing secret, AES-256-GCM encrypted under the server key (`v1:<iv>:<tag>:<ciphertext>`). */
  secret_ciphertext: string;
  /** `enabled`, `paused` (by the integration or staff) or `disabled` (failing for 5 days). */
  status: string;
  disabled_reason: string | null;
  /** When the first of the current run of failed attempts happened; cleared by a success. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

/** The transactional outbox: one row per event, written in the transaction of the change that caused it. */
export interface WebhookEventsTable {
  /** `evt_` + a time-sortable id: the `webhook-id` of every delivery of it. */
  id: string;
  environment_id: string;
  type: string;
  /** The key an `api_key.*` event belongs to (delivered only to that key's endpoints). */
  key_id: string | null;
  /** The exact JSON body sent (signed as is, identical across retries). */
  body: string;
  created_at: string;
}

/** One event to one endpoint. */
export interface WebhookDeliveriesTable {
  /** `whd_` + 16 base62 characters. */
  id: string;
  event_id: string;
  endpoint_id: string;
  environment_id: string;
  /** `pending`, `succeeded` or `failed`. */
  status: string;
  attempts: number;
  /** When the next attempt is due (pending only). */
  next_attempt_at: string | null;
  /** A worker holds the delivery until then; after, another may take it (a crashed worker loses nothing). */
  lease_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** One HTTP attempt of a delivery (kept 30 days). */
export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** The first 1 KB of the answer. */
  response_body: string;
}

export interface Database {
  environments: EnvironmentsTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  api_keys: ApiKeysTable;
  logos: LogosTable;
  audit_events: AuditEventsTable;
  key_usage_daily: KeyUsageDailyTable;
  change_counters: ChangeCountersTable;
  key_change_head: KeyChangeHeadTable;
  key_changes: KeyChangesTable;
  sites: SitesTable;
  membership_types: MembershipTypesTable;
  members: MembersTable;
  member_external_refs: MemberExternalRefsTable;
  memberships: MembershipsTable;
  attendance: AttendanceTable;
  import_jobs: ImportJobsTable;
  import_errors: ImportErrorsTable;
  idempotency_keys: IdempotencyKeysTable;
  access_code_secrets: AccessCodeSecretsTable;
  checkout_sessions: CheckoutSessionsTable;
  payments: PaymentsTable;
  test_provider_mandates: TestProviderMandatesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
