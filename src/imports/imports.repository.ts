import { sql, type Kysely } from 'kysely';
import type { Database, ImportJobsTable } from '../db/schema.js';
import { atomically } from '../db/unit-of-work.js';
import type { RowError } from './import-fields.js';

/** Counts of an import job. */
interface ImportCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** A member-import job. */
export interface ImportJob {
  id: string;
  environmentId: string;
  apiKeyId: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  dryRun: boolean;
  format: 'csv' | 'json' | 'ndjson';
  counts: ImportCounts;
  /** Every row up to this number is committed. */
  committedThroughRow: number;
  failure: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The process holding the job (null for jobs from before runners were recorded). */
  runner: string | null;
  /** Size of the spool file. */
  spoolBytes: number;
}

/** What an environment holds in the import queue: unfinished jobs and their spool bytes. */
export interface QueueUsage {
  jobs: number;
  bytes: number;
}

function toJob(r: ImportJobsTable): ImportJob {
  return {
    id: r.id,
    environmentId: r.environment_id,
    apiKeyId: r.api_key_id,
    status: r.status,
    dryRun: r.dry_run === 1,
    format: r.format,
    counts: { read: r.rows_read, created: r.rows_created, updated: r.rows_updated, unchanged: r.rows_unchanged, rejected: r.rows_rejected },
    committedThroughRow: r.committed_through_row,
    failure: r.failure,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    runner: r.runner,
    spoolBytes: r.spool_bytes,
  };
}

async function usageOf(db: Kysely<Database>, environmentId: string): Promise<QueueUsage> {
  const r = await db
    .selectFrom('import_jobs')
    .select((eb) => [eb.fn.countAll<number | string>().as('jobs'), eb.fn.coalesce(eb.fn.sum<number | string | null>('spool_bytes'), eb.val(0)).as('bytes')])
    .where('environment_id', '=', environmentId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return { jobs: Number(r.jobs), bytes: Number(r.bytes) };
}

/** The columns a job's progress changes: written at insert and by every save. */
function progressColumns(j: ImportJob) {
  return {
    status: j.status,
    rows_read: j.counts.read,
    rows_created: j.counts.created,
    rows_updated: j.counts.updated,
    rows_unchanged: j.counts.unchanged,
    rows_rejected: j.counts.rejected,
    committed_through_row: j.committedThroughRow,
    failure: j.failure,
    updated_at: j.updatedAt,
    finished_at: j.finishedAt,
  };
}

async function insertJob(db: Kysely<Database>, j: ImportJob): Promise<void> {
  await db
    .insertInto('import_jobs')
    .values({
      id: j.id,
      environment_id: j.environmentId,
      api_key_id: j.apiKeyId,
      dry_run: j.dryRun ? 1 : 0,
      format: j.format,
      created_at: j.createdAt,
      ...progressColumns(j),
      runner: j.runner,
      spool_bytes: j.spoolBytes,
    })
    .execute();
}

/** SQL for import jobs and their row errors. */
export function createImportsRepository(db: Kysely<Database>) {
  return {
    insert: (j: ImportJob): Promise<void> => insertJob(db, j),
    /** The environment's unfinished jobs and spool bytes, on every node. */
    usage: (environmentId: string): Promise<QueueUsage> => usageOf(db, environmentId),
    /**
     * Inserts the job unless the environment would then hold more than `caps` (jobs, bytes including this one's);
     * returns the usage it saw when refused. Serialised per environment by locking its row first (PostgreSQL: a
     * row lock; SQLite: the write lock), so two nodes accepting at once cannot both take the last place.
     */
    async insertWithinCaps(j: ImportJob, caps: QueueUsage): Promise<QueueUsage | undefined> {
      return atomically(db, async (trx) => {
        await sql`UPDATE environments SET name = name WHERE id = ${j.environmentId}`.execute(trx);
        const used = await usageOf(trx, j.environmentId);
        if (used.jobs + 1 > caps.jobs || used.bytes + j.spoolBytes > caps.bytes) return used;
        await insertJob(trx, j);
        return undefined;
      });
    },
    async find(id: string, environmentId: string): Promise<ImportJob | undefined> {
      const r = await db.selectFrom('import_jobs').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toJob(r);
    },
    /**
     * Saves status, counts, progress and failure (inside the batch's transaction when given) — only while
     * `j.runner` still holds the job. Returns false when another process has claimed it (nothing is saved).
     */
    async save(j: ImportJob): Promise<boolean> {
      const r = await db
        .updateTable('import_jobs')
        .set(progressColumns(j))
        .where('id', '=', j.id)
        .where((eb) => (j.runner === null ? eb('runner', 'is', null) : eb('runner', '=', j.runner)))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /**
     * Takes a queued or running job for `runner` if nobody touched it since it was read (same holder, same
     * `updated_at`): of several processes claiming one job, exactly one succeeds.
     */
    async claim(j: ImportJob, runner: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('import_jobs')
        .set({ runner, updated_at: now })
        .where('id', '=', j.id)
        .where('status', 'in', ['queued', 'running'])
        .where('updated_at', '=', j.updatedAt)
        .where((eb) => (j.runner === null ? eb('runner', 'is', null) : eb('runner', '=', j.runner)))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Queued or running jobs, oldest first. */
    async unfinished(): Promise<ImportJob[]> {
      const rows = await db.selectFrom('import_jobs').selectAll().where('status', 'in', ['queued', 'running']).orderBy('created_at').orderBy('id').execute();
      return rows.map(toJob);
    },
    /** Appends row errors numbered from `firstOrd`. */
    async insertErrors(jobId: string, firstOrd: number, errors: RowError[]): Promise<void> {
      for (let i = 0; i < errors.length; i += 500) {
        await db
          .insertInto('import_errors')
          .values(errors.slice(i, i + 500).map((e, k) => ({ job_id: jobId, ord: firstOrd + i + k, row_number: e.row, field: e.field, reason: e.reason, value: e.value ?? null })))
          .execute();
      }
    },
    /** Row errors in order, after `afterOrd`, `limit` at a time. */
    async errorsPage(jobId: string, afterOrd: number, limit: number): Promise<Array<{ ord: number; row: number; field: string; reason: string; value: string | null }>> {
      const rows = await db
        .selectFrom('import_errors')
        .select(['ord', 'row_number', 'field', 'reason', 'value'])
        .where('job_id', '=', jobId)
        .where('ord', '>', afterOrd)
        .orderBy('ord')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ord: r.ord, row: r.row_number, field: r.field, reason: r.reason, value: r.value }));
    },
    /** Queued or running jobs not touched since `before` (their process is gone). */
    async stale(before: string): Promise<ImportJob[]> {
      const rows = await db.selectFrom('import_jobs').selectAll().where('status', 'in', ['queued', 'running']).where('updated_at', '<', before).orderBy('created_at').orderBy('id').execute();
      return rows.map(toJob);
    },
    /** Marks jobs as alive — those `runner` still holds. */
    async touch(ids: string[], runner: string, now: string): Promise<void> {
      if (ids.length === 0) return;
      await db.updateTable('import_jobs').set({ updated_at: now }).where('id', 'in', ids).where('runner', '=', runner).where('status', 'in', ['queued', 'running']).execute();
    },
  };
}
export type ImportsRepository = ReturnType<typeof createImportsRepository>;
