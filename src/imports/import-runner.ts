import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from 'pino';
import { dateIn, type Clock } from '../kernel/time.js';
import { checkRow, LostClaim, newBatch, rememberCommitted, type CheckedBatch, type RunState } from './import-batch.js';
import { parseFile } from './import-parsers.js';
import type { ImportJob, ImportsRepository } from './imports.repository.js';
import { SeenKeys } from './seen-keys.js';

/** Thrown between batches when the process shuts down. */
class ShuttingDown extends Error {}

/**
 * While a batch commits, the rows of the next one are read and checked at most this many at a time before the
 * event loop is let through: the committing transaction's statements are sent one after another, each on the
 * previous one's answer, and an answer waiting behind a whole read chunk's checks (~600 rows, ~15 ms) left the
 * database idle meanwhile.
 */
const ROWS_PER_TURN = 100;

/** How far the JS heap may grow during an import before its garbage is collected (see boundHeap). */
const HEAP_HEADROOM = 48 * 1024 * 1024;

/**
 * An import allocates fast and keeps little: V8 lets the old generation grow to ~4× what is live (~150 MB in
 * a server) before collecting, which is most of an import's peak RSS. Between batches, once the heap has grown
 * `HEAP_HEADROOM` past where the job started, an eager memory measurement collects it (a ~10 ms full GC)
 * — bounding the import's garbage without changing V8's flags for the rest of the server.
 */
async function boundHeap(bound: number): Promise<number> {
  if (v8.getHeapStatistics().used_heap_size < bound) return bound;
  await vm.measureMemory({ execution: 'eager' }).catch(() => undefined);
  // If what is live has itself grown (other work of the server), move the bound up: never a GC per batch.
  return Math.max(bound, v8.getHeapStatistics().used_heap_size + HEAP_HEADROOM / 2);
}

/**
 * Runs one job from its spool file: streams it in batches of `options.batchSize`, each committed whole, from
 * the row after the last committed one; marks it succeeded or failed (saying what was committed) at the end.
 * Shutdown pauses it between batches; a job claimed meanwhile by another process is left to that process.
 */
export function createImportRunner(deps: {
  repo: ImportsRepository;
  clock: Clock;
  logger: Logger;
  options: { batchSize: number };
  spoolFile: (job: ImportJob) => string;
  siteIds: (environmentId: string) => Promise<Set<string>>;
  commitBatch: (job: ImportJob, batch: CheckedBatch) => Promise<void>;
  stopping: () => boolean;
  /** Saves the finished job with its member_import.finished event (false: another process holds it). */
  finish: (job: ImportJob) => Promise<boolean>;
}) {
  const { repo, clock, logger, options, commitBatch } = deps;
  return async function run(job: ImportJob): Promise<void> {
    const file = deps.spoolFile(job);
    const resumeAfter = job.committedThroughRow;
    // The batch being committed while the next one is read and checked: on PostgreSQL the database writes one
    // batch while this process parses the next. Batches still commit one after the other, in file order.
    let committing: Promise<void> | undefined;
    try {
      job.status = 'running';
      job.updatedAt = clock.now().toISOString();
      if (!(await repo.save(job))) throw new LostClaim();
      // About two keys a row, at ~50 bytes a row: sized once, so the set does not reallocate while it fills.
      const bytes = (await fs.promises.stat(file)).size;
      const state: RunState = { seen: new SeenKeys(Math.ceil(bytes / 25)), sites: await deps.siteIds(job.environmentId), today: dateIn(clock.now(), 'UTC') };
      let batch = newBatch();
      let heapBound = v8.getHeapStatistics().used_heap_size + HEAP_HEADROOM;
      const commitFilled = async () => {
        if (committing) await committing;
        if (deps.stopping()) throw new ShuttingDown();
        committing = commitBatch(job, batch);
        // Awaited before the next batch or at the end; meanwhile its failure must not count as unhandled.
        committing.catch(() => undefined);
        batch = newBatch();
      };
      for await (const items of parseFile(file, job.format)) {
        for (const item of items) {
          if (item.row <= resumeAfter) {
            // Already committed before a restart: only remember its keys for the duplicate check.
            rememberCommitted(item, state);
            continue;
          }
          checkRow(item, state, batch);
          if (committing && batch.read % ROWS_PER_TURN === 0) await nextTurn();
          if (batch.read >= options.batchSize) {
            await commitFilled();
            heapBound = await boundHeap(heapBound);
          }
        }
      }
      if (batch.read > 0) await commitFilled();
      await committing;
      job.status = 'succeeded';
      logger.info({ jobId: job.id, environmentId: job.environmentId, counts: job.counts }, 'member import finished');
    } catch (err) {
      // Whatever stopped the run, the batch in flight settles before the job is judged.
      await committing?.catch(() => undefined);
      if (err instanceof ShuttingDown) {
        // Left running with its spool file: the next start resumes after the last committed batch.
        logger.info({ jobId: job.id, after: job.committedThroughRow }, 'member import paused for shutdown');
        return;
      }
      if (err instanceof LostClaim) {
        // Another process holds the job now and carries on from the last committed batch; its spool file stays.
        logger.warn({ jobId: job.id }, 'member import taken over by another process; stopped here');
        return;
      }
      logger.error({ err, jobId: job.id }, 'member import failed');
      // Reload: the in-memory counts may include a batch that rolled back.
      const saved = await repo.find(job.id, job.environmentId);
      if (saved) Object.assign(job, { counts: saved.counts, committedThroughRow: saved.committedThroughRow });
      job.status = 'failed';
      job.failure =
        job.committedThroughRow > 0
          ? `The import stopped after row ${job.committedThroughRow}: rows up to it are committed (${job.counts.created} created, ${job.counts.updated} updated); later rows were not written.`
          : 'The import stopped before any row was committed; nothing was written.';
    }
    const now = clock.now().toISOString();
    job.updatedAt = now;
    job.finishedAt = now;
    const saved = await deps.finish(job).catch((err: unknown) => {
      logger.error({ err, jobId: job.id }, 'could not save import job');
      return undefined;
    });
    // The spool file goes with the finished job; a job claimed meanwhile by another process keeps it.
    if (saved !== false) await fs.promises.rm(file, { force: true });
  };
}
