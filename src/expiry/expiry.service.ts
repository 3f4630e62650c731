import type { AuditRepository } from '../audit/audit.repository.js';
import { SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { Environment } from '../environments/environments.repository.js';
import { EXPIRING_SOON_DAYS } from '../kernel/rules/expiry.js';
import { addDays, dateIn, type Clock } from '../kernel/time.js';
import type { ExpiryRepository } from './expiry.repository.js';
import type { Purpose } from '../kernel/permissions.js';
import { meKey } from '../keys/me-body.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

/**
 * Expiry warnings: every live key expiring within EXPIRING_SOON_DAYS (by dates in its environment's
 * time zone) gets one `api_key.expiring_soon` audit event. Each warning is claimed with a conditional
 * update in the event's transaction, so several nodes may run the check at once: exactly one records it.
 */
export function createExpiryService(deps: {
  repo: ExpiryRepository;
  /** Each warning is claimed and recorded in one transaction. */
  store: UnitOfWork<{ expiry: ExpiryRepository; audit: AuditRepository; webhookEvents: WebhookEventsRepository }>;
  clock: Clock;
  environments: { findById(id: string): Promise<Environment | undefined> };
  onWarned?: (count: number) => void;
}) {
  const { repo, store, clock, environments, onWarned } = deps;
  let running: Promise<number> | undefined;

  async function check(): Promise<number> {
    const now = clock.now();
    const utcToday = now.toISOString().slice(0, 10);
    // One day either side of UTC covers every time zone; the exact window is decided per environment below.
    const candidates = await repo.candidates(addDays(utcToday, -1), addDays(utcToday, EXPIRING_SOON_DAYS + 1));
    const zones = new Map<string, string | null>();
    let warned = 0;
    for (const c of candidates) {
      if (!zones.has(c.environmentId)) zones.set(c.environmentId, (await environments.findById(c.environmentId))?.timeZone ?? null);
      const tz = zones.get(c.environmentId);
      if (!tz) continue;
      const today = dateIn(now, tz);
      const daysLeft = Math.round((Date.parse(c.expiresOn) - Date.parse(today)) / 86_400_000);
      if (daysLeft < 0 || daysLeft > EXPIRING_SOON_DAYS) continue;
      const nowIso = now.toISOString();
      const done = await store.transaction(async (tx) => {
        if (!(await tx.expiry.claim(c.id, nowIso))) return false;
        await tx.audit.record(
          { environmentId: c.environmentId, actor: SYSTEM_ACTOR, action: 'api_key.expiring_soon', targetType: 'api_key', targetId: c.id, changes: { expiresOn: c.expiresOn, daysLeft, reference: c.reference } });
        await tx.webhookEvents.record(webhookEvents.apiKeyExpiring(c.environmentId, meKey({ ...c, purpose: c.purpose as Purpose }, tz)));
        return true;
      });
      if (done) warned++;
    }
    if (warned > 0) onWarned?.(warned);
    return warned;
  }

  return {
    /** Runs one check now (a check already running is joined, not repeated); returns the warnings recorded. */
    check(): Promise<number> {
      running ??= check().finally(() => (running = undefined));
      return running;
    },
  };
}
