import { sql, type Kysely } from 'kysely';
import type { ApiKeysTable, Database } from '../db/schema.js';
import { atomically } from '../db/unit-of-work.js';

/** A secret replaced by a roll: its SHA-256 (hex) and the end of its grace (ISO-8601). */
export interface PreviousSecret {
  hash: string;
  expiresAt: string;
}

/** The stored JSON list of replaced secrets. */
export function parsePreviousSecrets(json: string): PreviousSecret[] {
  return JSON.parse(json) as PreviousSecret[];
}

/** An API key row as the services see it (hashes included; never leaves the keys folder as such). */
export interface KeyRow {
  id: string;
  environmentId: string;
  reference: string;
  purpose: string;
  keyHash: string;
  last4: string;
  /** Secrets replaced by rolls, each accepted until its own end (may include ended ones until the next write). */
  previousSecrets: PreviousSecret[];
  expiresOn: string;
  revokedAt: string | null;
  logoId: string | null;
  primaryColour: string | null;
  secondaryColour: string | null;
  allowedIps: string[];
  allowedRedirectOrigins: string[];
  rateLimitPerMinute: number | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
  expiryWarnedAt: string | null;
}

/** What verification needs about a key and its environment, in one look-up. */
export interface KeyForVerification extends KeyRow {
  environment: { id: string; slug: string; name: string; timeZone: string; active: boolean };
}

function toRow(r: ApiKeysTable): KeyRow {
  return {
    id: r.id,
    environmentId: r.environment_id,
    reference: r.reference,
    purpose: r.purpose,
    keyHash: r.key_hash,
    last4: r.last4,
    previousSecrets: parsePreviousSecrets(r.previous_secrets),
    expiresOn: r.expires_on,
    revokedAt: r.revoked_at,
    logoId: r.logo_id,
    primaryColour: r.primary_colour,
    secondaryColour: r.secondary_colour,
    allowedIps: JSON.parse(r.allowed_ips) as string[],
    allowedRedirectOrigins: JSON.parse(r.allowed_redirect_origins) as string[],
    rateLimitPerMinute: r.rate_limit_per_minute,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastUsedAt: r.last_used_at,
    expiryWarnedAt: r.expiry_warned_at,
  };
}

function toColumns(k: Partial<KeyRow>): Partial<ApiKeysTable> {
  const c: Partial<ApiKeysTable> = {};
  if (k.id !== undefined) c.id = k.id;
  if (k.environmentId !== undefined) c.environment_id = k.environmentId;
  if (k.reference !== undefined) c.reference = k.reference;
  if (k.purpose !== undefined) c.purpose = k.purpose;
  if (k.keyHash !== undefined) c.key_hash = k.keyHash;
  if (k.last4 !== undefined) c.last4 = k.last4;
  if (k.previousSecrets !== undefined) c.previous_secrets = JSON.stringify(k.previousSecrets);
  if (k.expiresOn !== undefined) c.expires_on = k.expiresOn;
  if (k.revokedAt !== undefined) c.revoked_at = k.revokedAt;
  if (k.logoId !== undefined) c.logo_id = k.logoId;
  if (k.primaryColour !== undefined) c.primary_colour = k.primaryColour;
  if (k.secondaryColour !== undefined) c.secondary_colour = k.secondaryColour;
  if (k.allowedIps !== undefined) c.allowed_ips = JSON.stringify(k.allowedIps);
  if (k.allowedRedirectOrigins !== undefined) c.allowed_redirect_origins = JSON.stringify(k.allowedRedirectOrigins);
  if (k.rateLimitPerMinute !== undefined) c.rate_limit_per_minute = k.rateLimitPerMinute;
  if (k.createdBy !== undefined) c.created_by = k.createdBy;
  if (k.createdAt !== undefined) c.created_at = k.createdAt;
  if (k.updatedAt !== undefined) c.updated_at = k.updatedAt;
  if (k.lastUsedAt !== undefined) c.last_used_at = k.lastUsedAt;
  if (k.expiryWarnedAt !== undefined) c.expiry_warned_at = k.expiryWarnedAt;
  return c;
}

/** Filters for the admin list; status is decided by dates relative to `today` in the environment's zone. */
export interface KeyListQuery {
  environmentId: string;
  q?: string;
  purpose?: string;
  status?: 'active' | 'expiring_soon' | 'expired' | 'revoked';
  today: string;
  soonUntil: string;
  sort: 'created_at' | 'reference' | 'expires_on' | 'last_used_at';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** SQL for API keys and their daily usage counters. */
export function createKeysRepository(db: Kysely<Database>) {
  return {
    async insert(k: KeyRow): Promise<void> {
      await db.insertInto('api_keys').values(toColumns(k) as ApiKeysTable).execute();
    },
    async update(id: string, environmentId: string, patch: Partial<KeyRow>): Promise<void> {
      await db.updateTable('api_keys').set(toColumns(patch)).where('id', '=', id).where('environment_id', '=', environmentId).execute();
    },
    /** Updates the key only if its current secret is still `fromHash` (a roll racing another roll loses); true when it did. */
    async updateIfSecret(id: string, environmentId: string, fromHash: string, patch: Partial<KeyRow>): Promise<boolean> {
      const r = await db
        .updateTable('api_keys')
        .set(toColumns(patch))
        .where('id', '=', id)
        .where('environment_id', '=', environmentId)
        .where('key_hash', '=', fromHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async find(id: string, environmentId: string): Promise<KeyRow | undefined> {
      const r = await db.selectFrom('api_keys').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toRow(r);
    },
    /** By id in any environment: only for the CLI run on the host and for verification. */
    async findAnyEnvironment(id: string): Promise<KeyRow | undefined> {
      const r = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRow(r);
    },
    async findForVerification(id: string): Promise<KeyForVerification | undefined> {
      const r = await db
        .selectFrom('api_keys as k')
        .innerJoin('environments as e', 'e.id', 'k.environment_id')
        .selectAll('k')
        .select(['e.slug as env_slug', 'e.name as env_name', 'e.time_zone as env_time_zone', 'e.active as env_active'])
        .where('k.id', '=', id)
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        ...toRow(r),
        environment: { id: r.environment_id, slug: r.env_slug, name: r.env_name, timeZone: r.env_time_zone, active: r.env_active === 1 },
      };
    },
    async list(q: KeyListQuery): Promise<{ rows: KeyRow[]; total: number }> {
      let query = db.selectFrom('api_keys').where('environment_id', '=', q.environmentId);
      if (q.q) query = query.where(sql<boolean>`lower(reference) like ${'%' + q.q.toLowerCase().replace(/[\\%_]/g, (m) => '\\' + m) + '%'} escape '\\'`);
      if (q.purpose) query = query.where('purpose', '=', q.purpose);
      if (q.status === 'revoked') query = query.where('revoked_at', 'is not', null);
      else if (q.status) {
        query = query.where('revoked_at', 'is', null);
        if (q.status === 'expired') query = query.where('expires_on', '<', q.today);
        if (q.status === 'expiring_soon') query = query.where('expires_on', '>=', q.today).where('expires_on', '<=', q.soonUntil);
        if (q.status === 'active') query = query.where('expires_on', '>', q.soonUntil);
      }
      const total = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy(q.sort === 'reference' ? sql`lower(reference)` : sql.ref(q.sort), q.order)
        .orderBy('id', q.order)
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { rows: rows.map(toRow), total: Number(total.n) };
    },
    /** Adds batched usage: counts per (key, day, outcome) and the latest use per key. */
    async addUsage(counts: Array<{ keyId: string; day: string; outcome: string; count: number }>, lastUsed: Array<{ keyId: string; at: string }>): Promise<void> {
      await atomically(db, async (trx) => {
        for (const c of counts) {
          await trx
            .insertInto('key_usage_daily')
            .values({ key_id: c.keyId, day: c.day, outcome: c.outcome, count: c.count })
            .onConflict((oc) => oc.columns(['key_id', 'day', 'outcome']).doUpdateSet({ count: sql`key_usage_daily.count + ${c.count}` }))
            .execute();
        }
        for (const u of lastUsed) {
          await trx
            .updateTable('api_keys')
            .set({ last_used_at: u.at })
            .where('id', '=', u.keyId)
            .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)]))
            .execute();
        }
      });
    },
    async usage(keyId: string, fromDay: string): Promise<Array<{ day: string; outcome: string; count: number }>> {
      const rows = await db
        .selectFrom('key_usage_daily')
        .select(['day', 'outcome', 'count'])
        .where('key_id', '=', keyId)
        .where('day', '>=', fromDay)
        .orderBy('day')
        .execute();
      return rows.map((r) => ({ day: r.day, outcome: r.outcome, count: Number(r.count) }));
    },
  };
}
export type KeysRepository = ReturnType<typeof createKeysRepository>;
