import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import { SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { refKey } from '../members/member-rules.js';
import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import type { MembersRepository } from '../members/members.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../kernel/time.js';
import { validateRow, type RowError, type ValidRow } from './import-fields.js';
import type { ParsedItem } from './import-parsers.js';
import type { ImportJob, ImportsRepository } from './imports.repository.js';
import type { SeenKeys } from './seen-keys.js';
import { webhookEvents } from '../webhooks/event-payloads.js';
import type { ImportJobView } from './imports.schemas.js';

/** State carried across the batches of one run. */
export interface RunState {
  seen: SeenKeys;
  sites: Set<string>;
  today: string;
}

/** Thrown (rolling the batch back) when another process has claimed the job: this one stops touching it. */
export class LostClaim extends Error {}

/** What a batch's transaction holds: the job and its row errors, and what the members service writes. */
export interface ImportsTx {
  imports: ImportsRepository;
  members: MembersRepository;
  audit: AuditRepository;
  webhookEvents: WebhookEventsRepository;
}

/** Who an import's changes are audited as: the API key that started it, or the operator's CLI (the system). */
function importActor(job: ImportJob): Actor {
  return job.apiKeyId ? { type: 'api_key', id: job.apiKeyId, label: null, ip: null } : SYSTEM_ACTOR;
}

/** Remembers the keys of a row committed before a restart, for the duplicate check of the rows after it. */
export function rememberCommitted(item: ParsedItem, state: RunState): void {
  if (!('raw' in item)) return;
  const v = validateRow(item.row, item.raw, state.today);
  if (!v.ok) return;
  for (const ref of v.value.refs) state.seen.has(`r\u0000${refKey(ref)}`);
  if (v.value.memberNumber !== undefined) state.seen.has(`n\u0000${v.value.memberNumber}`);
  else if (v.value.refs.length === 0) state.seen.has(`e\u0000${v.value.emailLower}`);
}

/** A batch being filled: its rows are checked as they are read, so a row's raw cells are garbage at once. */
export interface CheckedBatch {
  /** Rows read into the batch (valid or not). */
  read: number;
  lastRow: number;
  valid: ValidRow[];
  errors: RowError[];
}

export function newBatch(): CheckedBatch {
  return { read: 0, lastRow: 0, valid: [], errors: [] };
}

/**
 * Checks one row into `batch`: its fields, in-file duplicates (against every earlier row of the file) and its home
 * site; a row failing one becomes its error, the rest wait for the batch's transaction.
 */
export function checkRow(item: ParsedItem, state: RunState, batch: CheckedBatch): void {
  batch.read++;
  batch.lastRow = item.row;
  if ('error' in item) {
    batch.errors.push(item.error);
    return;
  }
  const v = validateRow(item.row, item.raw, state.today);
  if (!v.ok) {
    const [first, ...more] = v.errors;
    batch.errors.push(more.length ? { ...first, reason: `${first.reason} (and ${more.length} more: ${more.map((e) => e.field).join(', ')})` } : first);
    return;
  }
  const r = v.value;
  // In-file duplicates: the first row with a reference, member number, or (for rows known only by email) email wins.
  let dup: RowError | undefined;
  for (const ref of r.refs) {
    if (state.seen.has(`r\u0000${refKey(ref)}`) && !dup) dup = { row: r.row, field: 'external_id', reason: 'duplicates an earlier row of this file (same external reference)', value: ref.id };
  }
  if (r.memberNumber !== undefined && state.seen.has(`n\u0000${r.memberNumber}`) && !dup) {
    dup = { row: r.row, field: 'member_number', reason: 'duplicates an earlier row of this file (same member number)', value: r.memberNumber };
  }
  // Only rows known by email alone are matched by email, so only they can duplicate each other by email
  // (this also keeps the key set — and memory — smaller for files with references or numbers).
  const emailSeen = r.refs.length === 0 && r.memberNumber === undefined && state.seen.has(`e\u0000${r.emailLower}`);
  if (emailSeen && !dup) {
    dup = { row: r.row, field: 'email', reason: 'duplicates an earlier row of this file (same email; give member_number or external_id to import members who share an email)', value: r.email };
  }
  if (dup) batch.errors.push(dup);
  else if (r.homeSiteId !== undefined && !state.sites.has(r.homeSiteId)) batch.errors.push({ row: r.row, field: 'home_site_id', reason: 'is not a site of this environment', value: r.homeSiteId });
  else batch.valid.push(r);
}

/**
 * Row application: hands a checked batch's rows to the members service, which matches, merges, numbers and
 * audits them — in one transaction with the row errors and the job's progress, so a batch commits whole or not
 * at all.
 */
export function createBatchCommitter(deps: { store: UnitOfWork<ImportsTx>; members: Pick<MembersService, 'applyBatch'>; clock: Clock; metrics?: Pick<Metrics, 'importRows'> }) {
  const { store, members, clock } = deps;
  /** Writes one checked batch (unless a dry run) in one transaction with the job's progress. */
  async function commitBatch(job: ImportJob, batch: CheckedBatch): Promise<void> {
    const { valid, errors, lastRow } = batch;
    const counted = await store.transaction(async (tx) => {
      // Matching, merging, numbering and auditing are the members service's, a whole batch at a time.
      const applied = await members.applyBatch(tx, job.environmentId, valid, { dryRun: job.dryRun, actor: importActor(job), changes: { importId: job.id } });
      const rejected = applied.errors.length > 0 ? [...errors, ...applied.errors].sort((a, b) => a.row - b.row) : errors;
      await tx.imports.insertErrors(job.id, job.counts.rejected + 1, rejected);
      job.counts.read += batch.read;
      job.counts.created += applied.created;
      job.counts.updated += applied.updated;
      job.counts.unchanged += applied.unchanged;
      job.counts.rejected += rejected.length;
      job.committedThroughRow = lastRow;
      job.updatedAt = clock.now().toISOString();
      // Conditional on still holding the job: if another process claimed it, the whole batch rolls back.
      if (!(await tx.imports.save(job))) throw new LostClaim();
      return { read: batch.read, created: applied.created, updated: applied.updated, unchanged: applied.unchanged, rejected: rejected.length };
    });
    // Counted once the batch is committed (a rolled-back batch counts nothing). Dry runs write nothing, so
    // they are not counted: the metric says what imports did to the member data.
    if (!job.dryRun && deps.metrics) for (const [outcome, n] of Object.entries(counted) as Array<[keyof typeof counted, number]>) if (n > 0) deps.metrics.importRows(outcome, n);
  }
  return commitBatch;
}

/**
 * Saves a job that reached succeeded or failed (conditional on still holding it) and, in the same transaction,
 * records `member_import.finished` with the job as GET /v1/member-imports/{id} answers it — dry runs included
 * (the client waits for a dry run's counts as for a real import's). True when saved.
 */
export function createImportFinisher(deps: { store: UnitOfWork<ImportsTx>; view: (job: ImportJob) => ImportJobView }) {
  return (job: ImportJob): Promise<boolean> =>
    deps.store.transaction(async (tx) => {
      if (!(await tx.imports.save(job))) return false;
      await tx.webhookEvents.record(webhookEvents.memberImportFinished(job.environmentId, deps.view(job)));
      return true;
    });
}
