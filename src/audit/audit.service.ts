import { invalid } from '../kernel/errors.js';
import type { Actor, AuditRepository, NewAuditEvent } from './audit.repository.js';

export type { Actor } from './audit.repository.js';

/** The system itself (seeding, scheduled checks, the CLI run by an operator on the host). */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'system', ip: null };

/** Writes and reads the audit trail. Callers pass only non-secret changes. */
export function createAuditService(deps: { repo: AuditRepository }) {
  const { repo } = deps;
  return {
    /** Records one event on its own (an owner writing other rows records through its unit of work instead). */
    record: (e: NewAuditEvent): Promise<void> => repo.record(e),
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
