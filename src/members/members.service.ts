import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { decodeCursor, feedPageOf, pageOf } from '../kernel/paging.js';
import type { SitesRepository } from '../sites/sites.repository.js';
import type { Clock } from '../kernel/time.js';
import { controlCharacterErrors } from '../kernel/rules/control-characters.js';
import { dedupeRefs, memberNumberOf, type MemberRow } from './member-rules.js';
import { applyMemberBatch, type BatchOutcome, type MembersBatchTx } from './members-batch.js';
import type { ExternalRef, Member, MembersRepository } from './members.repository.js';
import type { CreateMemberInput, UpdateMemberInput } from './members.schemas.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';
import { memberView } from './member-view.js';

export { memberView } from './member-view.js';

/** The member's ETag: changes on every write (its change number). */
export function memberEtag(m: Member): string {
  return `"${m.id.slice(4, 10)}-${m.seq}"`;
}

/** True when an If-Match header names the member's current ETag (or is `*`). */
function ifMatchHolds(header: string, m: Member): boolean {
  const current = memberEtag(m);
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === current);
}

/**
 * Refuses control characters in the text a create or update would store (names and email as trimmed), each
 * field named; on PostgreSQL a NUL would otherwise fail in the store and on SQLite be kept.
 */
function checkControlCharacters(input: CreateMemberInput | UpdateMemberInput): void {
  const errors = controlCharacterErrors({
    firstName: input.firstName?.trim(),
    lastName: input.lastName?.trim(),
    email: input.email?.trim(),
    memberNumber: input.memberNumber,
    phone: input.phone,
    'address.line1': input.address?.line1,
    'address.line2': input.address?.line2,
    'address.town': input.address?.town,
    'address.postcode': input.address?.postcode,
    homeSiteId: input.homeSiteId,
    ...Object.fromEntries((input.externalRefs ?? []).flatMap((r, i) => [[`externalRefs.${i}.system`, r.system], [`externalRefs.${i}.id`, r.id]])),
  });
  if (errors.length > 0) throw invalid(errors);
}

/** What a member-writing transaction holds: the members, the sites a home site must be one of, the audit trail. */
export interface MembersTx {
  members: MembersRepository;
  sites: SitesRepository;
  audit: AuditRepository;
  /** The outbox: member.created / member.updated commit with the change. */
  webhookEvents: WebhookEventsRepository;
}

/** A customer as a checkout knows them. */
interface Customer {
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth?: string;
  phone?: string;
  marketingOptIn?: boolean;
  homeSiteId?: string | null;
}

/**
 * Members of an environment, the one owner of their rules: listing, the change feed, create and update (with
 * lost-update protection), matching and merging (the import's batches, the checkout's customers), member numbers
 * and external references. Writes run in a unit of work; `…In(tx, …)` joins a caller's.
 */
export function createMembersService(deps: { repo: MembersRepository; store: UnitOfWork<MembersTx>; clock: Clock }) {
  const { repo, store, clock } = deps;

  // Reads through the write's transaction: on SQLite (one connection) a read on the db would wait for the
  // transaction forever, and on PostgreSQL it would not see a site the same transaction created.
  async function checkSite(tx: MembersTx, environmentId: string, homeSiteId: string | null | undefined): Promise<void> {
    if (homeSiteId === null || homeSiteId === undefined) return;
    const found = await tx.sites.existing(environmentId, [homeSiteId]);
    if (!found.has(homeSiteId)) throw invalid([{ path: 'homeSiteId', message: 'is not a site of this environment' }]);
  }

  async function checkUnique(tx: MembersTx, environmentId: string, memberId: string | null, memberNumber: string | undefined, refs: ExternalRef[]): Promise<void> {
    if (memberNumber !== undefined) {
      const other = await tx.members.findByMemberNumber(environmentId, memberNumber);
      if (other && other.id !== memberId) throw new AppError('conflict', `Member number ${memberNumber} belongs to another member.`, [{ path: 'memberNumber', message: 'is taken' }]);
    }
    if (refs.length > 0) {
      const holders = await tx.members.byExternalRefs(environmentId, refs);
      for (const [k, holder] of holders) {
        if (holder.id !== memberId) {
          const [system, id] = k.split('\u0000');
          throw new AppError('conflict', `External reference ${system}:${id} belongs to another member.`, [{ path: 'externalRefs', message: 'is taken' }]);
        }
      }
    }
  }

  /** The next generated member number not taken (imports may have used the same pattern). */
  async function generateNumber(tx: MembersTx, environmentId: string): Promise<string> {
    for (;;) {
      const n = await tx.members.nextNumbers(environmentId, 1);
      const candidate = memberNumberOf(n);
      if (!(await tx.members.findByMemberNumber(environmentId, candidate))) return candidate;
    }
  }

  /** Creates a member inside `tx`; the member number is generated when not given. */
  async function createIn(tx: MembersTx, environmentId: string, input: CreateMemberInput, actor: Actor, id = newId('mem')): Promise<Member> {
    checkControlCharacters(input);
    const refs = dedupeRefs(input.externalRefs ?? []);
    // Every query runs in `tx`: inside a caller's transaction nothing may read on the db (see checkSite).
    const seq = await tx.members.nextSeq(environmentId);
    await checkSite(tx, environmentId, input.homeSiteId);
    await checkUnique(tx, environmentId, null, input.memberNumber, refs);
    const now = clock.now().toISOString();
    const m: Member = {
      id,
      environmentId,
      memberNumber: input.memberNumber ?? (await generateNumber(tx, environmentId)),
      firstName: input.firstName.trim(),
      lastName: input.lastName.trim(),
      email: input.email.trim(),
      dateOfBirth: input.dateOfBirth ?? null,
      phone: input.phone ?? null,
      address: { line1: input.address?.line1 ?? null, line2: input.address?.line2 ?? null, town: input.address?.town ?? null, postcode: input.address?.postcode ?? null },
      homeSiteId: input.homeSiteId ?? null,
      marketingOptIn: input.marketingOptIn ?? false,
      externalRefs: refs,
      seq,
      createdAt: now,
      updatedAt: now,
    };
    await tx.members.insert(m);
    await tx.audit.record({ environmentId, actor, action: 'member.created', targetType: 'member', targetId: m.id, changes: { fields: Object.keys(input) } });
    await tx.webhookEvents.record(webhookEvents.memberCreated(environmentId, memberView(m)));
    return m;
  }

  const service = {
    /** One page of members (oldest first), or with `updatedSince` the change feed in change order. */
    async list(environmentId: string, q: { limit?: number; cursor?: string; email?: string; memberNumber?: string; updatedSince?: string }) {
      const limit = q.limit ?? 25;
      if (q.updatedSince !== undefined) {
        const since = new Date(q.updatedSince).toISOString();
        const after = decodeCursor(q.cursor, { s: 'number' });
        const rows = await repo.listChanged(environmentId, { limit, updatedSince: since, afterSeq: after && Number(after.s), email: q.email, memberNumber: q.memberNumber });
        const page = feedPageOf(rows, limit, (m) => ({ s: m.seq }), q.cursor);
        return { data: page.data.map(memberView), nextCursor: page.nextCursor, resumeCursor: page.resumeCursor };
      }
      const after = decodeCursor(q.cursor, { c: 'string', i: 'string' });
      const rows = await repo.list(environmentId, { limit, email: q.email, memberNumber: q.memberNumber, after: after && { createdAt: String(after.c), id: String(after.i) } });
      const page = pageOf(rows, limit, (m) => ({ c: m.createdAt, i: m.id }));
      return { data: page.data.map(memberView), nextCursor: page.nextCursor };
    },

    /** A member of the environment; 404 for unknown ids and other environments' members alike. */
    async get(environmentId: string, id: string): Promise<Member> {
      const m = await repo.find(id, environmentId);
      if (!m) throw new AppError('not_found', `No member ${id}.`);
      return m;
    },

    /** A member of the environment, or undefined. */
    find: (environmentId: string, id: string): Promise<Member | undefined> => repo.find(id, environmentId),

    /** Creates a member; the member number is generated when not given. */
    create: (environmentId: string, input: CreateMemberInput, actor: Actor, id?: string): Promise<Member> =>
      store.transaction((tx) => createIn(tx, environmentId, input, actor, id)),
    /** `create` inside the caller's transaction. */
    createIn,

    /**
     * The member a checkout's customer is, inside the checkout's transaction: an existing member with the same
     * email and name (case-insensitive; exactly one, so families sharing an email are never merged), else a new
     * member by the rules of `create` (the site they joined at becomes their home site).
     */
    async matchOrCreateIn(tx: MembersTx, environmentId: string, customer: Customer, actor: Actor): Promise<{ member: Member; created: boolean }> {
      const emailLower = customer.email.toLowerCase();
      const same = ((await tx.members.byEmails(environmentId, [emailLower])).get(emailLower) ?? []).filter(
        (m) => m.firstName.toLowerCase() === customer.firstName.toLowerCase() && m.lastName.toLowerCase() === customer.lastName.toLowerCase(),
      );
      if (same.length === 1) return { member: same[0], created: false };
      return { member: await createIn(tx, environmentId, customer, actor), created: true };
    },

    /** Applies an import's batch of rows inside the caller's transaction (see applyMemberBatch). */
    applyBatch: (tx: MembersBatchTx, environmentId: string, rows: MemberRow[], opts: { dryRun: boolean; actor: Actor; changes?: Record<string, unknown> }): Promise<BatchOutcome> =>
      applyMemberBatch(tx, clock, environmentId, rows, opts),

    /** Applies a partial update; with `ifMatch`, a stale ETag is 412 precondition_failed and nothing changes. */
    async update(environmentId: string, id: string, patch: UpdateMemberInput, actor: Actor, ifMatch?: string): Promise<Member> {
      checkControlCharacters(patch);
      return store.transaction(async (tx) => {
        // Taking the change number first locks the environment's member counter, so the reads below are current.
        const seq = await tx.members.nextSeq(environmentId);
        await checkSite(tx, environmentId, patch.homeSiteId);
        const current = await tx.members.find(id, environmentId);
        if (!current) throw new AppError('not_found', `No member ${id}.`);
        if (ifMatch !== undefined && !ifMatchHolds(ifMatch, current)) {
          throw new AppError('precondition_failed', 'The member changed since you read it (If-Match does not match its ETag); read it again and retry.', [
            { path: 'If-Match', message: 'is stale' },
          ]);
        }
        const refs = patch.externalRefs !== undefined ? dedupeRefs(patch.externalRefs) : current.externalRefs;
        await checkUnique(tx, environmentId, id, patch.memberNumber, patch.externalRefs !== undefined ? refs : []);
        const next: Member = {
          ...current,
          memberNumber: patch.memberNumber ?? current.memberNumber,
          firstName: patch.firstName?.trim() ?? current.firstName,
          lastName: patch.lastName?.trim() ?? current.lastName,
          email: patch.email?.trim() ?? current.email,
          dateOfBirth: patch.dateOfBirth !== undefined ? patch.dateOfBirth : current.dateOfBirth,
          phone: patch.phone !== undefined ? patch.phone : current.phone,
          address: patch.address ? { ...current.address, ...patch.address } : current.address,
          homeSiteId: patch.homeSiteId !== undefined ? patch.homeSiteId : current.homeSiteId,
          marketingOptIn: patch.marketingOptIn ?? current.marketingOptIn,
          externalRefs: refs,
          seq,
          updatedAt: clock.now().toISOString(),
        };
        await tx.members.update(next);
        await tx.audit.record({ environmentId, actor, action: 'member.updated', targetType: 'member', targetId: id, changes: { fields: Object.keys(patch) } });
        await tx.webhookEvents.record(webhookEvents.memberUpdated(environmentId, memberView(next)));
        return next;
      });
    },
  };
  return service;
}
export type MembersService = ReturnType<typeof createMembersService>;
