import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { AppError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { decodeCursor, feedPageOf, pageOf } from '../kernel/paging.js';
import type { Clock } from '../kernel/time.js';
import type { Membership, MembershipStatus, MembershipsRepository } from './memberships.repository.js';
import type { MembershipView } from './memberships.schemas.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

/** The API view of a membership. */
export function membershipView(m: Membership): MembershipView {
  return {
    id: m.id,
    memberId: m.memberId,
    membershipTypeId: m.membershipTypeId,
    siteId: m.siteId,
    status: m.status,
    startDate: m.startDate,
    endDate: m.endDate,
    pricePence: m.pricePence,
    cancelledAt: m.cancelledAt,
    cancelReason: m.cancelReason,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** Statuses from which a membership can still be cancelled. */
const CANCELLABLE: readonly MembershipStatus[] = ['pending', 'future', 'active', 'frozen', 'suspended'];

/** What creating a membership takes (checkout, seed data). */
interface NewMembership {
  memberId: string;
  membershipTypeId: string;
  siteId?: string | null;
  status: MembershipStatus;
  startDate: string;
  endDate?: string | null;
  pricePence: number;
  source: string;
}

/** What a membership-writing transaction holds. */
export interface MembershipsTx {
  memberships: MembershipsRepository;
  audit: AuditRepository;
  /** The outbox: membership.created / membership.updated commit with the change. */
  webhookEvents: WebhookEventsRepository;
}

/**
 * Memberships: per member, the change feed (CoursePro), creation, and the one owner of status changes
 * (cancellation included). Writes run in a unit of work; `…In(tx, …)` joins a caller's (the checkout's).
 */
export function createMembershipsService(deps: {
  repo: MembershipsRepository;
  store: UnitOfWork<MembershipsTx>;
  clock: Clock;
  /** Resolves a member of the environment (404 otherwise). */
  memberExists: (environmentId: string, memberId: string) => Promise<boolean>;
}) {
  const { repo, store, clock, memberExists } = deps;

  async function createIn(tx: MembershipsTx, environmentId: string, input: NewMembership, actor: Actor, id = newId('ms')): Promise<Membership> {
    const seq = await tx.memberships.nextSeq(environmentId);
    const now = clock.now().toISOString();
    const m: Membership = {
      id,
      environmentId,
      memberId: input.memberId,
      membershipTypeId: input.membershipTypeId,
      siteId: input.siteId ?? null,
      status: input.status,
      startDate: input.startDate,
      endDate: input.endDate ?? null,
      pricePence: input.pricePence,
      source: input.source,
      cancelledAt: null,
      cancelReason: null,
      seq,
      createdAt: now,
      updatedAt: now,
    };
    await tx.memberships.insert(m);
    await tx.audit.record({ environmentId, actor, action: 'membership.created', targetType: 'membership', targetId: m.id, changes: { status: m.status, source: m.source } });
    await tx.webhookEvents.record(webhookEvents.membershipCreated(environmentId, membershipView(m)));
    return m;
  }

  async function setStatusIn(tx: MembershipsTx, environmentId: string, id: string, status: MembershipStatus, actor: Actor): Promise<Membership> {
    const seq = await tx.memberships.nextSeq(environmentId);
    const current = await tx.memberships.find(id, environmentId);
    if (!current) throw new AppError('not_found', `No membership ${id}.`);
    if (current.status === status) return current;
    const next: Membership = { ...current, status, seq, updatedAt: clock.now().toISOString() };
    await tx.memberships.update(next);
    await tx.audit.record({ environmentId, actor, action: 'membership.status_changed', targetType: 'membership', targetId: id, changes: { from: current.status, to: status } });
    await tx.webhookEvents.record(webhookEvents.membershipUpdated(environmentId, membershipView(next)));
    return next;
  }

  async function cancelIn(tx: MembershipsTx, environmentId: string, id: string, reason: string | undefined, actor: Actor): Promise<Membership> {
    const seq = await tx.memberships.nextSeq(environmentId);
    const current = await tx.memberships.find(id, environmentId);
    if (!current) throw new AppError('not_found', `No membership ${id}.`);
    if (current.status === 'cancelled') return current;
    if (!CANCELLABLE.includes(current.status)) throw new AppError('conflict', `A membership that is ${current.status} cannot be cancelled.`, [{ path: 'status', message: `is ${current.status}` }]);
    const now = clock.now().toISOString();
    const next: Membership = { ...current, status: 'cancelled', cancelledAt: now, cancelReason: reason ?? null, seq, updatedAt: now };
    await tx.memberships.update(next);
    await tx.audit.record({ environmentId, actor, action: 'membership.cancelled', targetType: 'membership', targetId: id, changes: { from: current.status } });
    await tx.webhookEvents.record(webhookEvents.membershipUpdated(environmentId, membershipView(next)));
    return next;
  }

  return {
    /** One page of a member's memberships, oldest first; 404 when the member is not in the environment. */
    async listForMember(environmentId: string, memberId: string, q: { limit?: number; cursor?: string }) {
      if (!(await memberExists(environmentId, memberId))) throw new AppError('not_found', `No member ${memberId}.`);
      const limit = q.limit ?? 25;
      const after = decodeCursor(q.cursor, { c: 'string', i: 'string' });
      const rows = await repo.listForMember(environmentId, memberId, { limit, after: after && { createdAt: String(after.c), id: String(after.i) } });
      const page = pageOf(rows, limit, (m) => ({ c: m.createdAt, i: m.id }));
      return { data: page.data.map(membershipView), nextCursor: page.nextCursor };
    },

    /** The change feed: memberships in the order they changed, optionally since an instant and for one integration. */
    async feed(environmentId: string, q: { limit?: number; cursor?: string; updatedSince?: string; integration?: 'none' | 'coursepro'; status?: MembershipStatus }) {
      const limit = q.limit ?? 25;
      const after = decodeCursor(q.cursor, { s: 'number' });
      const rows = await repo.listChanged(environmentId, {
        limit,
        updatedSince: q.updatedSince !== undefined ? new Date(q.updatedSince).toISOString() : undefined,
        afterSeq: after && Number(after.s),
        integration: q.integration,
        status: q.status,
      });
      const page = feedPageOf(rows, limit, (m) => ({ s: m.seq }), q.cursor);
      return { data: page.data.map(membershipView), nextCursor: page.nextCursor, resumeCursor: page.resumeCursor };
    },

    /** A membership of the environment; 404 otherwise. */
    async get(environmentId: string, id: string): Promise<Membership> {
      const m = await repo.find(id, environmentId);
      if (!m) throw new AppError('not_found', `No membership ${id}.`);
      return m;
    },

    /** Creates a membership. The caller has checked member, type and site. */
    create: (environmentId: string, input: NewMembership, actor: Actor, id?: string): Promise<Membership> =>
      store.transaction((tx) => createIn(tx, environmentId, input, actor, id)),
    /** `create` inside the caller's transaction (checkout). */
    createIn,

    /** Sets a membership's status (e.g. checkout completing a pending one). */
    setStatus: (environmentId: string, id: string, status: MembershipStatus, actor: Actor): Promise<Membership> =>
      store.transaction((tx) => setStatusIn(tx, environmentId, id, status, actor)),
    /** `setStatus` inside the caller's transaction (a mandate decided). */
    setStatusIn,

    /** Cancels a membership now. Cancelling a cancelled one answers it unchanged; an expired or lapsed one is 409. */
    cancel: (environmentId: string, id: string, reason: string | undefined, actor: Actor): Promise<Membership> =>
      store.transaction((tx) => cancelIn(tx, environmentId, id, reason, actor)),
    /** `cancel` inside the caller's transaction (a failed mandate). */
    cancelIn,

    /** True when the member holds an active membership. */
    hasActive: (environmentId: string, memberId: string) => repo.hasStatus(environmentId, memberId, ['active']),
  };
}
export type MembershipsService = ReturnType<typeof createMembershipsService>;
