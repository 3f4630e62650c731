import type { Kysely } from 'kysely';
import type { AuditEventsTable, Database } from '../db/schema.js';

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

/** SQL for the audit trail (append-only). */
export function createAuditRepository(db: Kysely<Database>) {
  return {
    async insert(e: AuditEvent, trx: Kysely<Database> = db): Promise<void> {
      await trx
        .insertInto('audit_events')
        .values({
          id: e.id,
          environment_id: e.environmentId,
          actor_type: e.actor.type,
          actor_id: e.actor.id,
          actor_label: e.actor.label,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          ip: e.ip,
          changes: JSON.stringify(e.changes),
          created_at: e.createdAt,
        })
        .execute();
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
