import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../kernel/crypto.js';
import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { Clock } from '../kernel/time.js';
import type { KeyChangesRepository } from './key-changes.repository.js';
import { keyIdOf, parseKey } from '../kernel/key-format.js';
import type { LeakedRepository } from './leaked.repository.js';
import type { Purpose } from '../kernel/permissions.js';
import { meKey } from './me-body.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

/** Most keys one report may carry. */
export const MAX_LEAKED_KEYS = 1000;

function same(a: Buffer, hex: string): boolean {
  const b = Buffer.from(hex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Leaked-key revocation, as GitHub's credential-revocation API: anyone (a secret-scanning partner,
 * a person who found a key in a public repository) reports keys; each one that is a live key — the
 * whole key matches its stored SHA-256, not only its id — is revoked at once and audited. The answer
 * never says which keys existed.
 */
export function createLeakedKeysService(deps: {
  repo: LeakedRepository;
  /** Each revocation commits with its audit event and the store's key change feed (every node follows it). */
  store: UnitOfWork<{ leaked: LeakedRepository; keyChanges: KeyChangesRepository; audit: AuditRepository; webhookEvents: WebhookEventsRepository }>;
  clock: Clock;
  /** Drops a key from this node's verification cache at once (and others', through Redis when present). */
  invalidate: (keyId: string) => Promise<void>;
  /** Counts revocations for /metrics. */
  onRevoked?: (count: number) => void;
}) {
  const { repo, store, clock, invalidate, onRevoked } = deps;
  return {
    /** Revokes every live key among `keys` (anything else is ignored); returns how many keys were received. */
    async report(keys: string[], ip: string): Promise<{ received: number }> {
      // Well-formed keys only (shape and checksum): no store look-up for anything else.
      const byId = new Map<string, Set<string>>();
      for (const raw of keys.slice(0, MAX_LEAKED_KEYS)) {
        const key = raw.trim();
        const publicId = parseKey(key);
        if (publicId === undefined) continue;
        const id = keyIdOf(publicId);
        const set = byId.get(id) ?? new Set<string>();
        set.add(key);
        byId.set(id, set);
      }
      if (byId.size === 0) return { received: keys.length };
      const actor: Actor = { type: 'public', id: null, label: 'leaked-key report', ip };
      const now = clock.now();
      const nowIso = now.toISOString();
      const touched: string[] = [];
      for (const row of await repo.findByIds([...byId.keys()])) {
        if (row.revokedAt) continue;
        for (const key of byId.get(row.id) ?? []) {
          const hash = sha256(key);
          if (same(hash, row.keyHash)) {
            const done = await store.transaction(async (tx) => {
              if (!(await tx.leaked.revokeIfLive(row.id, row.keyHash, nowIso))) return false;
              await tx.keyChanges.record([row.id], nowIso);
              await tx.audit.record(
                { environmentId: row.environmentId, actor, action: 'api_key.revoked', targetType: 'api_key', targetId: row.id, changes: { revokedAt: nowIso, reason: 'leaked' } });
              await tx.webhookEvents.record(webhookEvents.apiKeyRevoked(row.environmentId, meKey({ ...row, purpose: row.purpose as Purpose }, row.timeZone)));
              return true;
            });
            if (done) touched.push(row.id);
            break;
          }
          // A replaced secret of a rolled key, still inside its grace period: end that grace, keep the other secrets.
          const previous = row.previousSecrets.find((p) => same(hash, p.hash) && Date.parse(p.expiresAt) > now.getTime());
          if (previous) {
            const done = await store.transaction(async (tx) => {
              if (!(await tx.leaked.endGraceIfLive(row.id, previous.hash, nowIso))) return false;
              await tx.keyChanges.record([row.id], nowIso);
              await tx.audit.record(
                {
                  environmentId: row.environmentId,
                  actor,
                  action: 'api_key.previous_secret_revoked',
                  targetType: 'api_key',
                  targetId: row.id,
                  changes: { previousSecretExpiresAt: { from: previous.expiresAt, to: null }, reason: 'leaked' },
                });
              return true;
            });
            if (done) touched.push(row.id);
          }
        }
      }
      for (const id of touched) await invalidate(id);
      if (touched.length > 0) onRevoked?.(touched.length);
      return { received: keys.length };
    },
  };
}
export type LeakedKeysService = ReturnType<typeof createLeakedKeysService>;
