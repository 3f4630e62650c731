import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { AppError } from '../kernel/errors.js';
import type { IdempotencyService, StoredAnswer } from '../idempotency/idempotency.service.js';
import type { MembersService } from '../members/members.service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../kernel/time.js';
import { errorReportLines } from './error-report.js';
import { createBatchCommitter, createImportFinisher, type ImportsTx } from './import-batch.js';
import { createImportIntake } from './import-intake.js';
import type { ImportFormat } from './import-parsers.js';
import { createImportQueue } from './import-queue.js';
import { createImportRecovery, newRunner } from './import-recovery.js';
import { createImportRunner } from './import-runner.js';
import { IMPORT_OPERATION, requestHash, spool } from './import-spool.js';
import type { ImportJobView } from './imports.schemas.js';
import type { ImportJob, ImportsRepository } from './imports.repository.js';

export { MAX_IMPORT_BYTES } from './import-spool.js';

/**
 * Per environment, at most this many imports may be queued or running (on every node together), holding at most
 * this many spooled bytes: beyond, a new import is 429 `rate_limited` with Retry-After, and nothing is spooled.
 */
const MAX_JOBS_PER_ENVIRONMENT = 3;
const MAX_SPOOL_BYTES_PER_ENVIRONMENT = 200 * 1024 * 1024;

/**
 * Member imports as jobs: the body is streamed to a spool file (never held in memory), checked, and imported
 * in batches that each commit whole in one transaction together with the job's progress — so a job killed
 * mid-way has exactly `committedThroughRow` rows written and is resumed from there on the next start.
 * The parts: intake (spool, caps), the queue (one job at a time, fair), the runner (batches), row application
 * (through the members service), recovery (resume or fail abandoned jobs), the error report.
 */
export function createImportsService(deps: {
  repo: ImportsRepository;
  /** A batch commits whole: its members (through the members service), its row errors, the job's progress. */
  store: UnitOfWork<ImportsTx>;
  members: Pick<MembersService, 'applyBatch'>;
  siteIds: (environmentId: string) => Promise<Set<string>>;
  clock: Clock;
  logger: Logger;
  spoolDir: string;
  publicUrl?: string;
  /** Counts committed rows by outcome (`flow_import_rows_total`); dry runs are not counted. */
  metrics?: Pick<Metrics, 'importRows'>;
  /** Honours `Idempotency-Key` on imports (absent: keys are ignored, as for the CLI's in-process use). */
  idempotency?: Pick<IdempotencyService, 'runHashed' | 'recorded'>;
}) {
  const { repo, clock, logger } = deps;
  const options = { batchSize: 1000, maxJobsPerEnvironment: MAX_JOBS_PER_ENVIRONMENT, maxSpoolBytesPerEnvironment: MAX_SPOOL_BYTES_PER_ENVIRONMENT };
  const runner = newRunner();
  const spoolFile = (job: Pick<ImportJob, 'id' | 'format'>): string => path.join(deps.spoolDir, `${job.id}.${job.format}`);
  /** The job as GET /v1/member-imports/{id} answers it (and member_import.finished carries). */
  function view(j: ImportJob): ImportJobView {
    const errorsPath = `/v1/member-imports/${j.id}/errors`;
    return {
      id: j.id,
      status: j.status,
      dryRun: j.dryRun,
      format: j.format,
      counts: { ...j.counts },
      committedThroughRow: j.committedThroughRow,
      failure: j.failure,
      errorsUrl: deps.publicUrl ? new URL(errorsPath, deps.publicUrl).toString() : errorsPath,
      createdAt: j.createdAt,
      updatedAt: j.updatedAt,
      finishedAt: j.finishedAt,
    };
  }
  const finish = createImportFinisher({ store: deps.store, view });
  const commitBatch = createBatchCommitter({ store: deps.store, members: deps.members, clock, metrics: deps.metrics });
  // The queue calls `run` only for a queued job, by when both exist; the runner stops between batches once the queue closes.
  const queue = createImportQueue({ repo, clock, logger, runner, run: (job) => run(job) });
  const run = createImportRunner({ repo, clock, logger, options, spoolFile, siteIds: deps.siteIds, commitBatch, finish, stopping: () => queue.stopping() });
  const recovery = createImportRecovery({ repo, clock, logger, runner, queue, spoolFile, finish });
  const intake = createImportIntake({ repo, clock, runner, options, spoolDir: deps.spoolDir, spoolFile });

  /** Inserts a prepared job within the environment's caps and queues it. */
  async function commit(job: ImportJob): Promise<ImportJobView> {
    await intake.insert(job);
    // The answer is the job as queued: enqueue may start it at once (and mutate it).
    const answer = view(job);
    queue.enqueue(job);
    return answer;
  }

  const service = {
    options,

    /** Accepts an import: spools the body, checks the format (CSV headers: 400 naming a missing one), queues the job. */
    async accept(environmentId: string, apiKeyId: string | null, format: ImportFormat, body: Readable, dryRun: boolean, declaredBytes = 0): Promise<ImportJobView> {
      const { job } = await intake.prepare(environmentId, apiKeyId, format, body, dryRun, declaredBytes);
      return commit(job);
    },

    /**
     * `accept` with `Idempotency-Key`: the same key and body (and format and dryRun) within 24 h answer the first
     * job again and queue nothing; the same key with anything else is 409. The body is hashed while it is
     * spooled; when the key is already recorded it is only hashed, never stored, and the caps do not apply.
     */
    async start(
      scope: { environmentId: string; apiKeyId: string },
      idempotencyKey: string | undefined,
      request: { format: ImportFormat; body: Readable; dryRun: boolean; declaredBytes: number },
    ): Promise<StoredAnswer<ImportJobView>> {
      const { format, body, dryRun, declaredBytes } = request;
      const idem = deps.idempotency;
      if (idempotencyKey === undefined || !idem) return { status: 202, body: await service.accept(scope.environmentId, scope.apiKeyId, format, body, dryRun, declaredBytes), replayed: false };
      if (await idem.recorded(scope, idempotencyKey)) {
        const hash = requestHash(format, dryRun);
        await spool(body, undefined, hash);
        return idem.runHashed(scope, idempotencyKey, IMPORT_OPERATION, hash.digest('hex'), () => {
          // The record expired or was released between the two reads; the body is gone, so the client retries.
          throw new AppError('conflict', 'A request with this Idempotency-Key changed state meanwhile; retry.', [{ path: 'Idempotency-Key', message: 'retry' }]);
        });
      }
      const { job, hash } = await intake.prepare(scope.environmentId, scope.apiKeyId, format, body, dryRun, declaredBytes);
      let committed = false;
      try {
        return await idem.runHashed(scope, idempotencyKey, IMPORT_OPERATION, hash, async () => {
          committed = true;
          return { status: 202, body: await commit(job) };
        });
      } finally {
        // Another request with this key got there first (replayed or 409): this upload is not a job.
        if (!committed) await fs.promises.rm(spoolFile(job), { force: true });
      }
    },

    /** A job of the environment; 404 otherwise. */
    async get(environmentId: string, id: string): Promise<ImportJobView> {
      const job = await repo.find(id, environmentId);
      if (!job) throw new AppError('not_found', `No member import ${id}.`);
      return view(job);
    },

    /** The error report as CSV lines (header first), read from the store page by page. */
    async errorReport(environmentId: string, id: string): Promise<AsyncGenerator<string>> {
      const job = await repo.find(id, environmentId);
      if (!job) throw new AppError('not_found', `No member import ${id}.`);
      return errorReportLines(repo, id);
    },

    /**
     * At start: every queued or running job whose spool file is here resumes after its last committed batch,
     * however recent its heartbeat (a process killed and restarted at once left it); each is claimed with a
     * conditional update, so of two processes sharing the data directory only one takes it (and a job whose
     * holder is known alive, e.g. a sibling process on this host, is left to it). Jobs elsewhere are
     * failed when stale, else left to the periodic sweep, which starts here (every 30 s; stopped by close()).
     * Returns the ids resumed and failed by this call.
     */
    recover: (): Promise<{ resumed: string[]; failed: string[] }> => recovery.recover(),

    /**
     * Jobs whose heartbeat is older than 2 minutes belong to a process that is gone: resumed here when their
     * spool file is here, else marked failed listing what was committed. Runs every 30 s on every process.
     */
    sweep: (): Promise<{ resumed: string[]; failed: string[] }> => recovery.sweep(),

    /** Resolves when every queued job has finished (tests, shutdown). */
    whenIdle: (): Promise<void> => queue.whenIdle(),

    /** Pauses the running job after its current batch (resumed on the next start); stops the heartbeat and sweep. */
    async close(): Promise<void> {
      recovery.close();
      await queue.close();
    },
  };
  return service;
}
export type ImportsService = ReturnType<typeof createImportsService>;
