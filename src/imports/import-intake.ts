import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { AppError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Clock } from '../kernel/time.js';
import type { ImportFormat } from './import-parsers.js';
import { checkFormat, requestHash, spool } from './import-spool.js';
import type { ImportJob, ImportsRepository, QueueUsage } from './imports.repository.js';

/** Seconds a refused import is told to wait: about what a large import takes to drain one place. */
const RETRY_AFTER_S = 30;

/** The per-environment caps of imports queued or running on every node together (see ImportsService.options). */
export interface IntakeOptions {
  maxJobsPerEnvironment: number;
  maxSpoolBytesPerEnvironment: number;
}

/**
 * Intake of new imports: the body is spooled to a file and checked, within the environment's caps (checked before
 * anything is spooled, while spooling, and again when the job is inserted). Beyond them an import is 429
 * `rate_limited` with Retry-After, and nothing is kept.
 */
export function createImportIntake(deps: { repo: ImportsRepository; clock: Clock; runner: string; options: IntakeOptions; spoolDir: string; spoolFile: (job: ImportJob) => string }) {
  const { repo, clock, options } = deps;
  /** Bytes being spooled right now per environment (uploads not yet jobs), counted against the spool cap. */
  const uploading = new Map<string, { jobs: number; bytes: number }>();

  function rateLimited(message: string): AppError {
    return new AppError('rate_limited', message, undefined, { 'Retry-After': String(RETRY_AFTER_S) });
  }

  function spoolCapError(): AppError {
    return rateLimited(`The member imports queued for this environment may hold at most ${options.maxSpoolBytesPerEnvironment / 1024 / 1024} MiB together; retry when one has finished.`);
  }

  /** 429 when the environment has no place left for another import of `bytes` (0 when not yet known). */
  function checkCaps(used: QueueUsage, bytes: number): void {
    if (used.jobs >= options.maxJobsPerEnvironment) {
      throw rateLimited(`At most ${options.maxJobsPerEnvironment} member imports may be queued or running per environment; retry when one has finished.`);
    }
    if (used.bytes + bytes > options.maxSpoolBytesPerEnvironment) throw spoolCapError();
  }

  return {
    /** Spools and checks a body as a new job of the environment. Returns the job (not yet inserted) and its hash. */
    async prepare(environmentId: string, apiKeyId: string | null, format: ImportFormat, body: Readable, dryRun: boolean, declaredBytes: number): Promise<{ job: ImportJob; hash: string }> {
      const up = uploading.get(environmentId) ?? { jobs: 0, bytes: 0 };
      const stored = await repo.usage(environmentId);
      checkCaps({ jobs: stored.jobs + up.jobs, bytes: stored.bytes + up.bytes }, declaredBytes);
      const now = clock.now().toISOString();
      const job: ImportJob = {
        id: newId('imp'),
        environmentId,
        apiKeyId,
        status: 'queued',
        dryRun,
        format,
        counts: { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 },
        committedThroughRow: 0,
        failure: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
        runner: deps.runner,
        spoolBytes: 0,
      };
      const file = deps.spoolFile(job);
      const hash = requestHash(format, dryRun);
      up.jobs++;
      uploading.set(environmentId, up);
      let mine = 0;
      try {
        await fs.promises.mkdir(deps.spoolDir, { recursive: true });
        // Room left: the cap less what is stored and what other uploads of this environment have spooled so far.
        job.spoolBytes = await spool(body, file, hash, (n) => {
          mine += n;
          up.bytes += n;
          return stored.bytes + up.bytes > options.maxSpoolBytesPerEnvironment ? spoolCapError() : undefined;
        });
      } finally {
        up.jobs--;
        up.bytes -= mine;
        if (up.jobs === 0) uploading.delete(environmentId);
      }
      try {
        await checkFormat(file, format, job.spoolBytes);
      } catch (err) {
        await fs.promises.rm(file, { force: true });
        throw err;
      }
      return { job, hash: hash.digest('hex') };
    },

    /** Inserts a prepared job within the environment's caps; its spool file goes on refusal. */
    async insert(job: ImportJob): Promise<void> {
      try {
        const refused = await repo.insertWithinCaps(job, { jobs: options.maxJobsPerEnvironment, bytes: options.maxSpoolBytesPerEnvironment });
        if (refused) checkCaps(refused, job.spoolBytes);
      } catch (err) {
        await fs.promises.rm(deps.spoolFile(job), { force: true });
        throw err;
      }
    },
  };
}
