import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../kernel/crypto.js';
import { permissionsOf, type Permission, type Purpose } from '../kernel/permissions.js';
import type { Metrics } from '../metrics/metrics.js';
import { RESYNC, type SharedState } from '../shared/shared-state.js';
import { endOfDay, nowMs, type Clock } from '../kernel/time.js';
import { keyIdOf, parseKey } from '../kernel/key-format.js';
import { ipMatcher } from './key-rules.js';
import { meBody } from './me-body.js';
import type { KeyForVerification, KeysRepository } from './keys.repository.js';

/** The verified caller of /v1: a key and the environment it identifies. */
export interface VerifiedKey {
  id: string;
  reference: string;
  purpose: Purpose;
  permissions: ReadonlySet<Permission>;
  /** The same permissions as a list, in matrix order (built once per cache fill). */
  permissionList: Permission[];
  expiresOn: string;
  expiresAt: string;
  rateLimitPerMinute: number | null;
  allowedRedirectOrigins: string[];
  theme: { logoId: string | null; primaryColour: string | null; secondaryColour: string | null };
  environment: { id: string; slug: string; name: string; timeZone: string };
  /** The rate-limit bucket of the key (built once, so the hot path neither concatenates nor re-hashes it). */
  rateBucket: string;
  /** The serialised GET /v1/me answer for this key. */
  meJson: string;
}

type VerifyFailure = 'key_missing' | 'key_malformed' | 'key_invalid' | 'key_expired' | 'key_revoked' | 'ip_not_allowed';

/** Verification outcomes are data; exceptions are for outages. `keyId` is set when the key id was known. */
export type VerifyResult = { ok: true; key: VerifiedKey } | { ok: false; code: VerifyFailure; keyId?: string };

interface Cached {
  hash: Buffer;
  /** Replaced secrets still inside their grace when cached, each with its own end (ms). */
  previous: Array<{ hash: Buffer; until: number }>;
  revoked: boolean;
  expiresAtMs: number;
  environmentActive: boolean;
  ipAllowed: ((ip: string) => boolean) | undefined;
  /** The success answer, built once per cache fill. */
  ok: VerifyResult;
}

const MISSING: VerifyResult = Object.freeze({ ok: false, code: 'key_missing' });
const MALFORMED: VerifyResult = Object.freeze({ ok: false, code: 'key_malformed' });
const INVALID: VerifyResult = Object.freeze({ ok: false, code: 'key_invalid' });

interface Entry {
  value: Cached | null;
  until: number;
}

const INVALIDATE_CHANNEL = 'flow:keys:invalidate';
const MAX_ENTRIES = 100_000;

function toCached(r: KeyForVerification): Cached {
  const expiresAtMs = endOfDay(r.expiresOn, r.environment.timeZone);
  const purpose = r.purpose as Purpose;
  const key: Omit<VerifiedKey, 'meJson'> = {
    id: r.id,
    reference: r.reference,
    purpose,
    permissions: new Set(permissionsOf(purpose)),
    permissionList: permissionsOf(purpose),
    expiresOn: r.expiresOn,
    expiresAt: new Date(expiresAtMs).toISOString(),
    rateLimitPerMinute: r.rateLimitPerMinute,
    allowedRedirectOrigins: r.allowedRedirectOrigins,
    theme: { logoId: r.logoId, primaryColour: r.primaryColour, secondaryColour: r.secondaryColour },
    environment: { id: r.environment.id, slug: r.environment.slug, name: r.environment.name, timeZone: r.environment.timeZone },
    rateBucket: `key:${r.id}`,
  };
  return {
    hash: Buffer.from(r.keyHash, 'hex'),
    previous: r.previousSecrets.map((p) => ({ hash: Buffer.from(p.hash, 'hex'), until: Date.parse(p.expiresAt) })),
    revoked: r.revokedAt !== null,
    expiresAtMs,
    environmentActive: r.environment.active,
    ipAllowed: ipMatcher(r.allowedIps),
    ok: { ok: true, key: { ...key, meJson: JSON.stringify(meBody(key)) } },
  };
}

/**
 * The hot path. Cheapest check first: header → shape and checksum (no I/O) → cache or one store
 * look-up per key id per TTL (misses cached too, concurrent look-ups shared) → constant-time hash
 * compare → revoked → expired → environment → address allowlist.
 */
export function createVerifier(deps: {
  repo: Pick<KeysRepository, 'findForVerification'>;
  clock: Clock;
  shared: SharedState;
  ttlMs: number;
  metrics?: Pick<Metrics, 'cache'>;
  /** The store's change feed: until when (Date.now() ms) cached entries may be served. */
  feed?: { freshUntil(): number };
}) {
  const { repo, clock, shared, ttlMs, metrics, feed } = deps;
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Cached | null>>();
  let epoch = 0;
  let lookups = 0;

  shared.subscribe(INVALIDATE_CHANNEL, (id) => {
    epoch++;
    // After a gap in delivery (Redis reconnected) any entry may be stale: start afresh.
    if (id === RESYNC) cache.clear();
    else cache.delete(id);
  });

  function check(cached: Cached | null, id: string, presented: string, ip: string): VerifyResult {
    if (!cached) return INVALID;
    const now = nowMs(clock);
    const hash = sha256(presented);
    // Every stored hash is compared, in constant time, whichever matches.
    let match = timingSafeEqual(hash, cached.hash);
    for (const p of cached.previous) if (timingSafeEqual(hash, p.hash) && now < p.until) match = true;
    if (!match) return { ok: false, code: 'key_invalid', keyId: id };
    if (cached.revoked) return { ok: false, code: 'key_revoked', keyId: id };
    if (now >= cached.expiresAtMs) return { ok: false, code: 'key_expired', keyId: id };
    if (!cached.environmentActive) return { ok: false, code: 'key_invalid', keyId: id };
    if (cached.ipAllowed && !cached.ipAllowed(ip)) return { ok: false, code: 'ip_not_allowed', keyId: id };
    return cached.ok;
  }

  async function lookup(id: string): Promise<Cached | null> {
    const pending = inflight.get(id);
    if (pending) return pending;
    const started = epoch;
    const p = (async () => {
      lookups++;
      const row = await repo.findForVerification(id);
      const value = row ? toCached(row) : null;
      // An invalidation that arrived during the look-up may concern this id: do not cache what may be stale.
      if (epoch === started && ttlMs > 0) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(id, { value, until: Date.now() + ttlMs });
      }
      return value;
    })();
    inflight.set(id, p);
    try {
      return await p;
    } finally {
      inflight.delete(id);
    }
  }

  return {
    /**
     * Verifies a presented key for a caller at `ip`. Synchronous when the answer needs no store look-up
     * (a malformed key, a cached key or a cached miss); a promise only when the store must be asked.
     */
    verify(presented: string | undefined, ip: string): VerifyResult | Promise<VerifyResult> {
      if (!presented) return MISSING;
      const publicId = parseKey(presented);
      if (publicId === undefined) return MALFORMED;
      const id = keyIdOf(publicId);
      const entry = cache.get(id);
      const t = Date.now();
      // A node that cannot read the change feed stops trusting its cache after a short bound (the store decides).
      const hit = entry !== undefined && entry.until > t && (feed === undefined || t < feed.freshUntil());
      metrics?.cache(hit);
      if (hit) return check(entry.value, id, presented, ip);
      return lookup(id).then((cached) => check(cached, id, presented, ip));
    },
    /**
     * Drops a key from this node's cache at once and, as an accelerator, from others through the shared
     * channel (Redis); correctness does not depend on it: every node follows the store's change feed.
     */
    async invalidate(id: string): Promise<void> {
      epoch++;
      cache.delete(id);
      await shared.publish(INVALIDATE_CHANNEL, id);
    },
    /** Drops keys changed by any writer (the change feed): no message, no store write. */
    drop(ids: string[]): void {
      epoch++;
      for (const id of ids) cache.delete(id);
    },
    /** Drops every entry (the feed cannot say what changed). */
    dropAll(): void {
      epoch++;
      cache.clear();
    },
    /** Store look-ups made so far (for tests and metrics). */
    stats: () => ({ lookups, cached: cache.size }),
  };
}
export type Verifier = ReturnType<typeof createVerifier>;
