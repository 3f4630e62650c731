import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { invalid } from '../kernel/errors.js';
import { sortableId } from '../kernel/ids.js';
import type { Clock } from '../kernel/time.js';
import type { AuditEvent, AuditRepository } from './audit.repository.js';

/** Who did something: a staff user, an API key, the system, or an anonymous public caller. */
export interface Actor {
  type: AuditEvent['actor']['type'];
  id: string | null;
  label: string | null;
  ip: string | null;
}

/** The system itself (seeding, scheduled checks, the CLI run by an operator on the host). */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'system', ip: null };

/** Writes and reads the audit trail. Callers pass only non-secret changes. */
export function createAuditService(deps: { repo: AuditRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /** Records one event (inside the caller's transaction when given). */
    async record(
      e: { environmentId: string; actor: Actor; action: string; targetType?: string; targetId?: string; changes?: Record<string, unknown> },
      trx?: Kysely<Database>,
    ): Promise<void> {
      const now = clock.now();
      await repo.insert(
        {
          id: sortableId('evt', now.getTime()),
          environmentId: e.environmentId,
          actor: { type: e.actor.type, id: e.actor.id, label: e.actor.label },
          action: e.action,
          targetType: e.targetType ?? null,
          targetId: e.targetId ?? null,
          ip: e.actor.ip,
          changes: e.changes ?? {},
          createdAt: now.toISOString(),
        },
        trx,
      );
    },
    /** A page of events, newest first, with the cursor of the next page. */
    async list(q: { environmentId: string; targetId?: string; action?: string; limit?: number; cursor?: string }) {
      const limit = q.limit ?? 50;
      let cursor: { createdAt: string; id: string } | undefined;
      if (q.cursor) {
        const raw = Buffer.from(q.cursor, 'base64url').toString();
        const [createdAt, id] = raw.split('|');
        if (!createdAt || !id) throw invalid([{ path: 'cursor', message: 'is not a cursor from this list' }]);
        cursor = { createdAt, id };
      }
      const rows = await repo.list({ ...q, limit: limit + 1, cursor });
      const data = rows.slice(0, limit);
      const last = data[data.length - 1];
      const nextCursor = rows.length > limit && last ? Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url') : null;
      return { data, nextCursor };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
