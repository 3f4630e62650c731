import type { Kysely } from 'kysely';
import type { Actor, AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/schema.js';
import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { decodeCursor, feedPageOf, pageOf } from '../kernel/paging.js';
import type { SitesService } from '../sites/sites.service.js';
import type { Clock } from '../kernel/time.js';
import { controlCharacterErrors } from '../kernel/rules/control-characters.js';
import type { ExternalRef, Member, MembersRepository } from './members.repository.js';
import type { CreateMemberInput, MemberView, UpdateMemberInput } from './members.schemas.js';

/** The API view of a member. */
export function memberView(m: Member): MemberView {
  return {
    id: m.id,
    memberNumber: m.memberNumber,
    firstName: m.firstName,
    lastName: m.lastName,
    email: m.email,
    dateOfBirth: m.dateOfBirth,
    phone: m.phone,
    address: { ...m.address },
    homeSiteId: m.homeSiteId,
    marketingOptIn: m.marketingOptIn,
    externalRefs: m.externalRefs.map((r) => ({ system: r.system, id: r.id })),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

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

/** Formats the n-th generated member number. */
function memberNumberOf(n: number): string {
  return `M${String(n).padStart(7, '0')}`;
}

function dedupeRefs(refs: ExternalRef[]): ExternalRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.system}\u0000${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
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

/** Members of an environment: listing, the change feed, create and update (with lost-update protection). */
export function createMembersService(deps: { repo: MembersRepository; sites: Pick<SitesService, 'existing'>; clock: Clock; audit: AuditService }) {
  const { repo, sites, clock, audit } = deps;

  // Reads through the write's transaction: on SQLite (one connection) a read on the db would wait for the
  // transaction forever, and on PostgreSQL it would not see a site the same transaction created.
  async function checkSite(trx: Kysely<Database>, environmentId: string, homeSiteId: string | null | undefined): Promise<void> {
    if (homeSiteId === null || homeSiteId === undefined) return;
    const found = await sites.existing(environmentId, [homeSiteId], trx);
    if (!found.has(homeSiteId)) throw invalid([{ path: 'homeSiteId', message: 'is not a site of this environment' }]);
  }

  async function checkUnique(trx: Kysely<Database>, environmentId: string, memberId: string | null, memberNumber: string | undefined, refs: ExternalRef[]): Promise<void> {
    if (memberNumber !== undefined) {
      const other = await repo.findByMemberNumber(environmentId, memberNumber, trx);
      if (other && other.id !== memberId) throw new AppError('conflict', `Member number ${memberNumber} belongs to another member.`, [{ path: 'memberNumber', message: 'is taken' }]);
    }
    if (refs.length > 0) {
      const holders = await repo.byExternalRefs(environmentId, refs, trx);
      for (const [k, holder] of holders) {
        if (holder.id !== memberId) {
          const [system, id] = k.split('\u0000');
          throw new AppError('conflict', `External reference ${system}:${id} belongs to another member.`, [{ path: 'externalRefs', message: 'is taken' }]);
        }
      }
    }
  }

  /** The next generated member number not taken (imports may have used the same pattern). */
  async function generateNumber(trx: Kysely<Database>, environmentId: string): Promise<string> {
    for (;;) {
      const n = await repo.nextNumbers(trx, environmentId, 1);
      const candidate = memberNumberOf(n);
      if (!(await repo.findByMemberNumber(environmentId, candidate, trx))) return candidate;
    }
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

    /** Creates a member; the member number is generated when not given. Usable by other services (checkout). */
    async create(environmentId: string, input: CreateMemberInput, actor: Actor, trxIn?: Kysely<Database>, id = newId('mem')): Promise<Member> {
      checkControlCharacters(input);
      const refs = dedupeRefs(input.externalRefs ?? []);
      // Every query runs in `trx`: inside a caller's transaction nothing may read on the db (see checkSite).
      const run = async (trx: Kysely<Database>) => {
        const seq = await repo.nextSeq(trx, environmentId);
        await checkSite(trx, environmentId, input.homeSiteId);
        await checkUnique(trx, environmentId, null, input.memberNumber, refs);
        const now = clock.now().toISOString();
        const m: Member = {
          id,
          environmentId,
          memberNumber: input.memberNumber ?? (await generateNumber(trx, environmentId)),
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
        await repo.insert(m, trx);
        await audit.record({ environmentId, actor, action: 'member.created', targetType: 'member', targetId: m.id, changes: { fields: Object.keys(input) } }, trx);
        return m;
      };
      return trxIn ? run(trxIn) : repo.transaction(run);
    },

    /** Applies a partial update; with `ifMatch`, a stale ETag is 412 precondition_failed and nothing changes. */
    async update(environmentId: string, id: string, patch: UpdateMemberInput, actor: Actor, ifMatch?: string): Promise<Member> {
      checkControlCharacters(patch);
      return repo.transaction(async (trx) => {
        // Taking the change number first locks the environment's member counter, so the reads below are current.
        const seq = await repo.nextSeq(trx, environmentId);
        await checkSite(trx, environmentId, patch.homeSiteId);
        const current = await repo.find(id, environmentId, trx);
        if (!current) throw new AppError('not_found', `No member ${id}.`);
        if (ifMatch !== undefined && !ifMatchHolds(ifMatch, current)) {
          throw new AppError('precondition_failed', 'The member changed since you read it (If-Match does not match its ETag); read it again and retry.', [
            { path: 'If-Match', message: 'is stale' },
          ]);
        }
        const refs = patch.externalRefs !== undefined ? dedupeRefs(patch.externalRefs) : current.externalRefs;
        await checkUnique(trx, environmentId, id, patch.memberNumber, patch.externalRefs !== undefined ? refs : []);
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
        await repo.update(next, trx);
        await audit.record({ environmentId, actor, action: 'member.updated', targetType: 'member', targetId: id, changes: { fields: Object.keys(patch) } }, trx);
        return next;
      });
    },
  };
  return service;
}
export type MembersService = ReturnType<typeof createMembersService>;
