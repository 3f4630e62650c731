import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { PURPOSE_INFO, permissionsOf, type Purpose } from '../kernel/permissions.js';
import type { EnvironmentsService } from '../environments/environments.service.js';
import { AppError, invalid, type FieldError } from '../kernel/errors.js';
import { logoUrl, type LogosService } from '../logos/logos.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { addDays, dateIn, endOfDay, type Clock } from '../kernel/time.js';
import { generateKey, hashKey, keyIdOf, publicIdOf, redactKey } from '../kernel/key-format.js';
import { EXPIRING_SOON_DAYS, keyStatus } from '../kernel/rules/expiry.js';
import { MAX_GRACE_SECONDS, MAX_PREVIOUS_SECRETS, checkCidrs, checkColour, checkExpiry, checkOrigins, checkPurpose, checkReference } from './key-rules.js';
import type { KeyChangesRepository } from './key-changes.repository.js';
import type { KeyRow, KeysRepository } from './keys.repository.js';
import type { KeyView, UsageDay } from './keys.schemas.js';
import { meKey } from './me-body.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

/** Theme fields as clients send them; `null` clears a field on update. */
interface ThemeInput {
  logoId?: string | null;
  primaryColour?: string | null;
  secondaryColour?: string | null;
}

export interface CreateKeyInput {
  reference: string;
  purpose: string;
  expiresOn: string;
  theme?: ThemeInput;
  allowedIps?: string[];
  allowedRedirectOrigins?: string[];
  rateLimitPerMinute?: number | null;
}

interface UpdateKeyInput {
  reference?: string;
  theme?: ThemeInput;
  allowedIps?: string[];
  allowedRedirectOrigins?: string[];
  rateLimitPerMinute?: number | null;
}

interface KeyListFilter {
  q?: string;
  purpose?: string;
  status?: 'active' | 'expiring_soon' | 'expired' | 'revoked';
  sort?: 'createdAt' | 'reference' | 'expiresOn' | 'lastUsedAt';
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

const SORT_COLUMNS = { createdAt: 'created_at', reference: 'reference', expiresOn: 'expires_on', lastUsedAt: 'last_used_at' } as const;

/** The key lifecycle: create, list, show, update, revoke, roll; every change audited and the caches told. */
export function createKeysService(deps: {
  repo: KeysRepository;
  clock: Clock;
  /** Key changes commit with their audit event and the store's key change feed (every node follows it). */
  store: UnitOfWork<{ keys: KeysRepository; keyChanges: KeyChangesRepository; audit: AuditRepository; webhookEvents: WebhookEventsRepository }>;
  environments: EnvironmentsService;
  logos: LogosService;
  staff: StaffService;
  /** Drops a key from this node's verification cache at once (and others', through Redis when present). */
  invalidate: (keyId: string) => Promise<void>;
}) {
  const { repo, clock, store, environments, logos, staff, invalidate } = deps;

  /** The end of the latest grace still running, or null. */
  function graceEnd(r: KeyRow): string | null {
    const now = clock.now().toISOString();
    let end: string | null = null;
    for (const p of r.previousSecrets) if (p.expiresAt > now && (end === null || p.expiresAt > end)) end = p.expiresAt;
    return end;
  }

  async function environment(environmentId: string) {
    const env = await environments.findById(environmentId);
    if (!env) throw new AppError('not_found', 'Environment not found.');
    return env;
  }

  async function views(rows: KeyRow[], timeZone: string): Promise<KeyView[]> {
    const today = dateIn(clock.now(), timeZone);
    const creators = new Map((await staff.findByIds([...new Set(rows.map((r) => r.createdBy).filter((x): x is string => !!x))])).map((s) => [s.id, s]));
    const shas = await logos.shaOf([...new Set(rows.map((r) => r.logoId).filter((x): x is string => !!x))]);
    return rows.map((r) => {
      const creator = r.createdBy ? creators.get(r.createdBy) : undefined;
      const sha = r.logoId ? shas.get(r.logoId) : undefined;
      const purpose = r.purpose as Purpose;
      return {
        id: r.id,
        reference: r.reference,
        purpose,
        purposeLabel: PURPOSE_INFO[purpose].label,
        permissions: permissionsOf(purpose),
        preview: redactKey(publicIdOf(r.id), r.last4),
        last4: r.last4,
        status: keyStatus(r, today),
        expiresOn: r.expiresOn,
        expiresAt: new Date(endOfDay(r.expiresOn, timeZone)).toISOString(),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        createdBy: creator ? { id: creator.id, name: creator.name, email: creator.email } : null,
        lastUsedAt: r.lastUsedAt,
        revokedAt: r.revokedAt,
        previousSecretExpiresAt: graceEnd(r),
        theme: { logoId: r.logoId, logoUrl: sha ? logoUrl(sha) : null, primaryColour: r.primaryColour, secondaryColour: r.secondaryColour },
        allowedIps: r.allowedIps,
        allowedRedirectOrigins: r.allowedRedirectOrigins,
        rateLimitPerMinute: r.rateLimitPerMinute,
      };
    });
  }

  async function checkTheme(environmentId: string, theme: ThemeInput | undefined, errors: FieldError[]) {
    if (!theme) return {};
    const out: Partial<Pick<KeyRow, 'logoId' | 'primaryColour' | 'secondaryColour'>> = {};
    const p = checkColour('theme.primaryColour', theme.primaryColour, errors);
    const s = checkColour('theme.secondaryColour', theme.secondaryColour, errors);
    if (p !== undefined) out.primaryColour = p;
    if (s !== undefined) out.secondaryColour = s;
    if (theme.logoId !== undefined) {
      if (theme.logoId === null || theme.logoId === '') out.logoId = null;
      else if (!(await logos.find(theme.logoId, environmentId))) errors.push({ path: 'theme.logoId', message: 'is not a logo uploaded to this environment' });
      else out.logoId = theme.logoId;
    }
    return out;
  }

  function checkRateLimit(value: number | null | undefined, errors: FieldError[]) {
    if (value !== undefined && value !== null && (!Number.isInteger(value) || value < 1 || value > 1_000_000)) {
      errors.push({ path: 'rateLimitPerMinute', message: 'must be a whole number from 1 to 1000000' });
    }
  }

  async function load(environmentId: string, id: string): Promise<KeyRow> {
    const row = await repo.find(id, environmentId);
    if (!row) throw new AppError('not_found', `No API key ${id}.`);
    return row;
  }

  async function one(row: KeyRow): Promise<KeyView> {
    const env = await environment(row.environmentId);
    return (await views([row], env.timeZone))[0];
  }

  return {
    /** Creates a key; the secret is in the answer and nowhere else. */
    async create(environmentId: string, input: CreateKeyInput, actor: Actor): Promise<{ key: string; view: KeyView }> {
      const env = await environment(environmentId);
      const today = dateIn(clock.now(), env.timeZone);
      const errors: FieldError[] = [];
      const reference = checkReference(input.reference, errors);
      checkPurpose(input.purpose, errors);
      checkExpiry(input.expiresOn, today, errors);
      const theme = await checkTheme(environmentId, input.theme, errors);
      const allowedIps = checkCidrs('allowedIps', input.allowedIps, errors) ?? [];
      const allowedRedirectOrigins = checkOrigins('allowedRedirectOrigins', input.allowedRedirectOrigins, errors) ?? [];
      checkRateLimit(input.rateLimitPerMinute, errors);
      if (errors.length) throw invalid(errors);

      const { publicId, key } = generateKey();
      const now = clock.now().toISOString();
      const row: KeyRow = {
        id: keyIdOf(publicId),
        environmentId,
        reference,
        purpose: input.purpose,
        keyHash: hashKey(key),
        last4: key.slice(-4),
        previousSecrets: [],
        expiresOn: input.expiresOn,
        revokedAt: null,
        logoId: theme.logoId ?? null,
        primaryColour: theme.primaryColour ?? null,
        secondaryColour: theme.secondaryColour ?? null,
        allowedIps,
        allowedRedirectOrigins,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
        createdBy: actor.type === 'staff' ? actor.id : null,
        createdAt: now,
        updatedAt: now,
        lastUsedAt: null,
        expiryWarnedAt: null,
      };
      await store.transaction(async (tx) => {
        await tx.keys.insert(row);
        // A miss for this id may be cached on some node from a probe before it existed.
        await tx.keyChanges.record([row.id], now);
        await tx.audit.record(
          {
            environmentId,
            actor,
            action: 'api_key.created',
            targetType: 'api_key',
            targetId: row.id,
            changes: { reference, purpose: row.purpose, expiresOn: row.expiresOn, theme, allowedIps, allowedRedirectOrigins, rateLimitPerMinute: row.rateLimitPerMinute },
          });
      });
      await invalidate(row.id);
      return { key, view: await one(row) };
    },

    /** A page of keys with filters; the cursor is opaque. */
    async list(environmentId: string, f: KeyListFilter): Promise<{ data: KeyView[]; nextCursor: string | null; total: number }> {
      const env = await environment(environmentId);
      const today = dateIn(clock.now(), env.timeZone);
      const limit = f.limit ?? 100;
      const offset = f.cursor ? Number.parseInt(Buffer.from(f.cursor, 'base64url').toString(), 10) : 0;
      if (!Number.isInteger(offset) || offset < 0) throw invalid([{ path: 'cursor', message: 'is not a cursor from this list' }]);
      const { rows, total } = await repo.list({
        environmentId,
        q: f.q?.trim() || undefined,
        purpose: f.purpose,
        status: f.status,
        today,
        soonUntil: addDays(today, EXPIRING_SOON_DAYS),
        sort: SORT_COLUMNS[f.sort ?? 'createdAt'],
        order: f.order ?? 'desc',
        limit,
        offset,
      });
      const nextCursor = offset + rows.length < total ? Buffer.from(String(offset + rows.length)).toString('base64url') : null;
      return { data: await views(rows, env.timeZone), nextCursor, total };
    },

    /** The environment a key belongs to (for the host CLI, which names keys without an environment). */
    async environmentOf(id: string): Promise<string> {
      const row = await repo.findAnyEnvironment(id);
      if (!row) throw new AppError('not_found', `No API key ${id}.`);
      return row.environmentId;
    },

    /** One key of the environment; 404 for another environment's key. */
    async get(environmentId: string, id: string): Promise<KeyView> {
      return one(await load(environmentId, id));
    },

    /** Updates reference, theme, allowlists or rate limit. */
    async update(environmentId: string, id: string, input: UpdateKeyInput, actor: Actor): Promise<KeyView> {
      const row = await load(environmentId, id);
      const errors: FieldError[] = [];
      const patch: Partial<KeyRow> = {};
      if (input.reference !== undefined) patch.reference = checkReference(input.reference, errors);
      Object.assign(patch, await checkTheme(environmentId, input.theme, errors));
      const ips = checkCidrs('allowedIps', input.allowedIps, errors);
      if (ips) patch.allowedIps = ips;
      const origins = checkOrigins('allowedRedirectOrigins', input.allowedRedirectOrigins, errors);
      if (origins) patch.allowedRedirectOrigins = origins;
      checkRateLimit(input.rateLimitPerMinute, errors);
      if (input.rateLimitPerMinute !== undefined) patch.rateLimitPerMinute = input.rateLimitPerMinute;
      if (errors.length) throw invalid(errors);
      if (row.revokedAt) throw new AppError('conflict', 'A revoked key cannot be changed.');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [k, v] of Object.entries(patch)) {
        const before = row[k as keyof KeyRow];
        if (JSON.stringify(before) !== JSON.stringify(v)) changes[k] = { from: before, to: v };
      }
      if (Object.keys(changes).length === 0) return one(row);
      const updatedAt = clock.now().toISOString();
      await store.transaction(async (tx) => {
        await tx.keys.update(id, environmentId, { ...patch, updatedAt });
        await tx.keyChanges.record([id], updatedAt);
        await tx.audit.record({ environmentId, actor, action: 'api_key.updated', targetType: 'api_key', targetId: id, changes });
      });
      await invalidate(id);
      return one({ ...row, ...patch, updatedAt });
    },

    /** Revokes at once and for good; 409 when already revoked. */
    async revoke(environmentId: string, id: string, actor: Actor): Promise<KeyView> {
      const row = await load(environmentId, id);
      if (row.revokedAt) throw new AppError('conflict', 'This key is already revoked.');
      const env = await environments.findById(environmentId);
      const now = clock.now().toISOString();
      await store.transaction(async (tx) => {
        await tx.keys.update(id, environmentId, { revokedAt: now, updatedAt: now });
        await tx.keyChanges.record([id], now);
        await tx.audit.record({ environmentId, actor, action: 'api_key.revoked', targetType: 'api_key', targetId: id, changes: { revokedAt: now } });
        // The last event the key's own endpoints get.
        if (env) await tx.webhookEvents.record(webhookEvents.apiKeyRevoked(environmentId, meKey({ ...row, purpose: row.purpose as Purpose }, env.timeZone)));
      });
      await invalidate(id);
      return one({ ...row, revokedAt: now, updatedAt: now });
    },

    /**
     * Issues a new secret for the key; the replaced one keeps working for `graceSeconds` (0 = stops now).
     * Earlier replaced secrets keep their own ends; at most MAX_PREVIOUS_SECRETS may be inside a grace at
     * once, and a roll with a grace beyond that is refused (409) rather than silently ending one of them.
     */
    async roll(environmentId: string, id: string, graceSeconds: number, actor: Actor): Promise<{ key: string; view: KeyView }> {
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
        throw invalid([{ path: 'graceSeconds', message: `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (30 days)` }]);
      }
      const row = await load(environmentId, id);
      if (row.revokedAt) throw new AppError('conflict', 'A revoked key cannot be rolled.');
      const env = await environment(environmentId);
      if (keyStatus(row, dateIn(clock.now(), env.timeZone)) === 'expired') throw new AppError('conflict', 'An expired key cannot be rolled; create a new key.');
      const now = clock.now();
      const nowIso = now.toISOString();
      const live = row.previousSecrets.filter((p) => p.expiresAt > nowIso);
      if (graceSeconds > 0 && live.length >= MAX_PREVIOUS_SECRETS) {
        throw new AppError(
          'conflict',
          `This key already has ${MAX_PREVIOUS_SECRETS} replaced secrets inside their grace period; roll with no grace (0) or wait until the first grace ends.`,
        );
      }
      const { key } = generateKey(publicIdOf(id));
      const graceEndsAt = graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000).toISOString() : null;
      const patch: Partial<KeyRow> = {
        keyHash: hashKey(key),
        last4: key.slice(-4),
        previousSecrets: graceEndsAt ? [...live, { hash: row.keyHash, expiresAt: graceEndsAt }] : live,
        updatedAt: nowIso,
      };
      await store.transaction(async (tx) => {
        // Conditional on the secret this roll replaces: of two concurrent rolls one wins, the other is told.
        if (!(await tx.keys.updateIfSecret(id, environmentId, row.keyHash, patch))) throw new AppError('conflict', 'The key changed meanwhile; try again.');
        await tx.keyChanges.record([id], nowIso);
        await tx.audit.record(
          { environmentId, actor, action: 'api_key.rolled', targetType: 'api_key', targetId: id, changes: { graceSeconds, previousSecretExpiresAt: graceEndsAt, last4: { from: row.last4, to: patch.last4 } } });
      });
      await invalidate(id);
      return { key, view: await one({ ...row, ...patch }) };
    },

    /** Requests per day and outcome for the last `days` days (UTC days). */
    async usage(environmentId: string, id: string, days: number) {
      await load(environmentId, id);
      const today = clock.now().toISOString().slice(0, 10);
      const from = addDays(today, -(days - 1));
      const rows = await repo.usage(id, from);
      const out: UsageDay[] = [];
      for (let i = 0; i < days; i++) out.push({ date: addDays(from, i), ok: 0, failed: 0, byCode: {} });
      const byDay = new Map(out.map((d) => [d.date, d]));
      for (const r of rows) {
        const d = byDay.get(r.day);
        if (!d) continue;
        if (r.outcome === 'ok') d.ok += r.count;
        else {
          d.failed += r.count;
          d.byCode[r.outcome] = (d.byCode[r.outcome] ?? 0) + r.count;
        }
      }
      return { days: out };
    },
  };
}
export type KeysService = ReturnType<typeof createKeysService>;
