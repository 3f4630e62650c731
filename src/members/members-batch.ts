import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Actor, AuditRepository, NewAuditEvent } from '../audit/audit.repository.js';
import { BASE62 } from '../kernel/base62.js';
import type { Clock } from '../kernel/time.js';
import { memberNumberOf, mergeRow, refKey, sameMember, type MemberRow, type RowError } from './member-rules.js';
import type { Member, MembersRepository } from './members.repository.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import { webhookEvents } from '../webhooks/event-payloads.js';
import { memberView } from './member-view.js';

/** What a batch-applying transaction holds. */
export interface MembersBatchTx {
  members: MembersRepository;
  audit: AuditRepository;
  /** The outbox: one member.created / member.updated per member written (not for unchanged rows), in one bulk insert. */
  webhookEvents: WebhookEventsRepository;
}

/** What one batch did (errors are the rows the matching refused; nothing of theirs is written). */
export interface BatchOutcome {
  created: number;
  updated: number;
  unchanged: number;
  errors: RowError[];
}

/**
 * Ids for members created in bulk: the usual `mem_` + 16 base62 characters, but the first 9 encode the time
 * (ms) and a sequence, so a big import appends to the primary-key index instead of writing all over it. The
 * last 7 are random; ids are never a secret (another environment's id still answers 404).
 */
function bulkIds(n: number, now: number): string[] {
  const random = randomBytes(n * 8);
  const out: string[] = new Array<string>(n);
  // Character codes of one id, made into a string at once (not 16 concatenations).
  const codes = new Array<number>(20);
  codes[0] = 109; // m
  codes[1] = 101; // e
  codes[2] = 109; // m
  codes[3] = 95; // _
  for (let i = 0; i < n; i++) {
    let head = now * 1024 + (i % 1024);
    for (let k = 12; k >= 4; k--) {
      codes[k] = BASE62_CODES[head % 62];
      head = Math.floor(head / 62);
    }
    for (let k = 0; k < 7; k++) codes[13 + k] = BASE62_CODES[random[i * 8 + k] % 62];
    out[i] = String.fromCharCode(...codes);
  }
  return out;
}
const BASE62_CODES = Array.from(BASE62, (c) => c.charCodeAt(0));

/** The member fields a row may give, in the order the audit event names them (with `externalRefs` last). */
const ROW_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'memberNumber',
  'dateOfBirth',
  'phone',
  'addressLine1',
  'addressLine2',
  'town',
  'postcode',
  'homeSiteId',
  'marketingOptIn',
] as const satisfies ReadonlyArray<keyof MemberRow>;

/**
 * The `changes` of a row's audit event: the fields it gives, and `extra`. Rows of one file mostly give the same
 * fields, so each combination is built once per batch and shared (the audit trail only serialises it).
 */
function auditChanges(extra: Record<string, unknown> | undefined): (r: MemberRow) => Record<string, unknown> {
  const byShape = new Map<number, Record<string, unknown>>();
  return (r) => {
    let shape = r.refs.length > 0 ? 1 << ROW_FIELDS.length : 0;
    for (let i = 0; i < ROW_FIELDS.length; i++) if (r[ROW_FIELDS[i]] !== undefined) shape |= 1 << i;
    let changes = byShape.get(shape);
    if (!changes) {
      const fields: string[] = ROW_FIELDS.filter((_, i) => shape & (1 << i));
      if (r.refs.length > 0) fields.push('externalRefs');
      changes = { fields, ...extra };
      byShape.set(shape, changes);
    }
    return changes;
  };
}

/**
 * Applies rows to the environment's members inside the caller's transaction, a whole batch in a few statements:
 * each row is matched by external reference, then member number, then (for rows known only by email) email,
 * case-insensitively; a match is merged, else a member is created with a generated number when none is given.
 * With `dryRun`, nothing is written. Every written member is audited with `actor`.
 */
export async function applyMemberBatch(
  tx: MembersBatchTx,
  clock: Clock,
  environmentId: string,
  rows: MemberRow[],
  opts: { dryRun: boolean; actor: Actor; changes?: Record<string, unknown> },
): Promise<BatchOutcome> {
  const { members } = tx;
  const env = environmentId;
  const errors: RowError[] = [];
  // Locks the environment's member counter first: look-ups below then see every committed member write.
  if (!opts.dryRun) await members.nextSeq(env, 0);
  const byRef = await members.byExternalRefs(env, rows.flatMap((r) => r.refs));
  const byNumber = await members.byMemberNumbers(env, rows.flatMap((r) => (r.memberNumber !== undefined ? [r.memberNumber] : [])));
  const byEmail = await members.byEmails(env, rows.filter((r) => r.refs.length === 0 && r.memberNumber === undefined).map((r) => r.emailLower));

  const creates: MemberRow[] = [];
  const updates: Array<{ member: Member; row: MemberRow }> = [];
  let unchanged = 0;
  for (const r of rows) {
    let refMatch: Member | undefined;
    let refsDisagree = false;
    for (const ref of r.refs) {
      const m = byRef.get(refKey(ref));
      if (!m) continue;
      if (refMatch && refMatch.id !== m.id) refsDisagree = true;
      refMatch ??= m;
    }
    if (refsDisagree) {
      errors.push({ row: r.row, field: 'external_id', reason: 'the external references belong to different members' });
      continue;
    }
    const numberHolder = r.memberNumber !== undefined ? byNumber.get(r.memberNumber) : undefined;
    let match: Member | undefined = refMatch ?? numberHolder;
    if (match && numberHolder && numberHolder.id !== match.id) {
      errors.push({ row: r.row, field: 'member_number', reason: `belongs to another member than external reference ${r.refs[0].system}:${r.refs[0].id}` });
      continue;
    }
    if (!match && r.refs.length === 0 && r.memberNumber === undefined) {
      const same = byEmail.get(r.emailLower) ?? [];
      if (same.length > 1) {
        errors.push({ row: r.row, field: 'email', reason: `matches ${same.length} members; give member_number or external_id to choose one` });
        continue;
      }
      match = same[0];
    }
    if (!match) {
      creates.push(r);
      continue;
    }
    const next = mergeRow(match, r);
    if (sameMember(match, next)) unchanged++;
    else updates.push({ member: next, row: r });
  }

  // Member numbers for new members without one: the generator's counter, skipping numbers already taken.
  const needNumbers = creates.filter((r) => r.memberNumber === undefined).length;
  const generated: string[] = [];
  while (generated.length < needNumbers) {
    const want = needNumbers - generated.length;
    const first = await members.nextNumbers(env, want);
    const candidates = Array.from({ length: want }, (_, i) => memberNumberOf(first + i));
    const taken = await members.takenNumbers(env, candidates);
    generated.push(...candidates.filter((c) => !taken.has(c)));
  }

  if (!opts.dryRun && creates.length + updates.length > 0) {
    const now = clock.now().toISOString();
    let seq = await members.nextSeq(env, creates.length + updates.length);
    let g = 0;
    const ids = bulkIds(creates.length, Date.now());
    const newMembers: Member[] = creates.map((r, i) => ({
      id: ids[i],
      environmentId: env,
      memberNumber: r.memberNumber ?? generated[g++],
      firstName: r.firstName,
      lastName: r.lastName,
      email: r.email,
      dateOfBirth: r.dateOfBirth ?? null,
      phone: r.phone ?? null,
      address: { line1: r.addressLine1 ?? null, line2: r.addressLine2 ?? null, town: r.town ?? null, postcode: r.postcode ?? null },
      homeSiteId: r.homeSiteId ?? null,
      marketingOptIn: r.marketingOptIn ?? false,
      externalRefs: r.refs,
      seq: seq++,
      createdAt: now,
      updatedAt: now,
    }));
    const updated = updates.map((u) => ({ ...u.member, seq: seq++, updatedAt: now }));
    // The members are written while this process builds their audit and webhook events, so on PostgreSQL the
    // database and this process work at once instead of in turn. The transaction still runs one statement at a
    // time, in the order they are issued (members, audit events, the members' references, updates, webhook events):
    // none of them needs one issued after it.
    const inserting = members.insertMany(newMembers);
    inserting.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    await nextTurn(); // the members' statement goes out before the events are built
    const changesOf = auditChanges(opts.changes);
    const event = (action: string, m: Member, r: MemberRow): NewAuditEvent => ({
      environmentId: env,
      actor: opts.actor,
      action,
      targetType: 'member',
      targetId: m.id,
      changes: changesOf(r),
    });
    const auditing = tx.audit.recordMany([...newMembers.map((m, i) => event('member.created', m, creates[i])), ...updates.map((u) => event('member.updated', u.member, u.row))]);
    auditing.catch(() => undefined);
    const events = [...newMembers.map((m) => webhookEvents.memberCreated(env, memberView(m))), ...updated.map((m) => webhookEvents.memberUpdated(env, memberView(m)))];
    await inserting;
    await auditing;
    for (const m of updated) await members.update(m);
    await tx.webhookEvents.recordMany(events);
  }
  return { created: creates.length, updated: updates.length, unchanged, errors };
}
