import type { Kysely } from 'kysely';
import { bulkInsert, insertRows } from '../db/bulk.js';
import type { AuditEventsTable, Database } from '../db/schema.js';
import { sortableId } from '../kernel/ids.js';
import { systemClock, type Clock } from '../kernel/time.js';

/** One audit event as the API shows it. */
export interface AuditEvent {
  id: string;
  environmentId: string;
  actor: { type: AuditEventsTable['actor_type']; id: string | null; label: string | null };
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  changes: Record<string, unknown>;
  createdAt: string;
}

function toEvent(r: AuditEventsTable): AuditEvent {
  return {
    id: r.id,
    environmentId: r.environment_id,
    actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip,
    changes: JSON.parse(r.changes) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}

/** Who did something: a staff user, an API key, the system, or an anonymous public caller. */
export interface Actor {
  type: AuditEvent['actor']['type'];
  id: string | null;
  label: string | null;
  ip: string | null;
}

/** What an owner records: the event less its id and time, which the trail assigns. */
export interface NewAuditEvent {
  environmentId: string;
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  changes?: Record<string, unknown>;
}

const COLUMNS = ['id', 'environment_id', 'actor_type', 'actor_id', 'actor_label', 'action', 'target_type', 'target_id', 'ip', 'changes', 'created_at'] as const;

/**
 * SQL for the audit trail (append-only). Events are recorded on the executor the repository is bound to — in a
 * unit of work, the owner's transaction, so a rolled-back change leaves no event. Ids and times come from `clock`.
 */
export function createAuditRepository(db: Kysely<Database>, clock: Clock = systemClock) {
  /** Ids sort by time; events of one call share its instant. */
  function rows(events: NewAuditEvent[]): unknown[][] {
    const now = clock.now();
    const at = now.toISOString();
    return events.map((e) => [
      sortableId('evt', now.getTime()),
      e.environmentId,
      e.actor.type,
      e.actor.id,
      e.actor.label,
      e.action,
      e.targetType ?? null,
      e.targetId ?? null,
      e.actor.ip,
      JSON.stringify(e.changes ?? {}),
      at,
    ]);
  }
  return {
    /** Records one event. Callers pass only non-secret changes. */
    async record(e: NewAuditEvent): Promise<void> {
      await db.executeQuery(bulkInsert(db, 'audit_events', COLUMNS, rows([e])));
    },
    /** Records many events (an import's batch) in multi-row statements. */
    async recordMany(events: NewAuditEvent[]): Promise<void> {
      await insertRows(db, 'audit_events', COLUMNS, rows(events));
    },
    /** Newest first; the cursor is the last event's `createdAt|id`. */
    async list(q: { environmentId: string; targetId?: string; action?: string; limit: number; cursor?: { createdAt: string; id: string } }): Promise<AuditEvent[]> {
      let query = db.selectFrom('audit_events').selectAll().where('environment_id', '=', q.environmentId);
      if (q.targetId) query = query.where('target_id', '=', q.targetId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.cursor) {
        const c = q.cursor;
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', c.createdAt), eb.and([eb('created_at', '=', c.createdAt), eb('id', '<', c.id)])]),
        );
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(toEvent);
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
