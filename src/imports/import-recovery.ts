import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../kernel/time.js';
import type { ImportQueue } from './import-queue.js';
import type { ImportJob, ImportsRepository } from './imports.repository.js';

/** A job not touched for this long belongs to a process that died. */
const STALE_MS = 2 * 60 * 1000;
/** How often every process looks for jobs abandoned by a process that did not come back (the scheduler runs the sweep). */
export const IMPORT_SWEEP_MS = 30 * 1000;

/** Runners of the import services alive in this process (tests run several on one database). */
const LIVE_RUNNERS = new Set<string>();

/** A new claim for the jobs of one service instance (random, so a restart is a new runner): `host|pid|random`. */
export function newRunner(): string {
  const runner = `${os.hostname()}|${process.pid}|${randomBytes(6).toString('hex')}`;
  LIVE_RUNNERS.add(runner);
  return runner;
}

/**
 * True when `holder` is known to be alive: another service of this process, or a process on this host that
 * still runs (a runner is `host|pid|random`). Unknown hosts count as gone: a restarted node resumes at once.
 */
function aliveElsewhere(holder: string | null, me: string): boolean {
  if (holder === null || holder === me) return false;
  if (LIVE_RUNNERS.has(holder)) return true;
  const [host, pidText] = holder.split('|');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Recovery of jobs left by a stopped process: at start, and by the sweep the scheduler runs on every process. */
export function createImportRecovery(deps: { repo: ImportsRepository; clock: Clock; logger: Logger; runner: string; queue: ImportQueue; spoolFile: (job: ImportJob) => string; finish: (job: ImportJob) => Promise<boolean> }) {
  const { repo, clock, logger, runner, queue } = deps;

  /**
   * Claims each job not running here (conditional on nobody having touched it since it was read): resumes it
   * when its spool file is here; with `failElsewhere`, marks it failed (saying what was committed) otherwise.
   */
  async function recoverJobs(jobs: ImportJob[], opts: { failElsewhere?: boolean; skipLive?: boolean } = {}): Promise<{ resumed: string[]; failed: string[] }> {
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const job of jobs) {
      if (queue.holds(job.id) || queue.stopping()) continue;
      const local = fs.existsSync(deps.spoolFile(job));
      if (!local && !opts.failElsewhere) continue;
      // At start, a job with a recent heartbeat is taken unless its holder is known to be alive (a sibling
      // process on this data directory); the sweep takes it if that holder stops without finishing it.
      if (opts.skipLive && aliveElsewhere(job.runner, runner)) continue;
      const now = clock.now().toISOString();
      if (!(await repo.claim(job, runner, now))) continue; // another process took it (or it is alive)
      job.runner = runner;
      job.updatedAt = now;
      if (local) {
        logger.info({ jobId: job.id, after: job.committedThroughRow }, 'resuming member import');
        queue.enqueue(job);
        resumed.push(job.id);
        continue;
      }
      job.status = 'failed';
      job.failure = `The server stopped during the import. Rows up to ${job.committedThroughRow} are committed (${job.counts.created} created, ${job.counts.updated} updated, ${job.counts.unchanged} unchanged, ${job.counts.rejected} rejected); later rows were not written.`;
      job.finishedAt = now;
      if (await deps.finish(job)) {
        logger.warn({ jobId: job.id, after: job.committedThroughRow }, 'member import abandoned by a stopped process marked failed');
        failed.push(job.id);
      }
    }
    return { resumed, failed };
  }

  const recovery = {
    /** See ImportsService.recover. */
    async recover(): Promise<{ resumed: string[]; failed: string[] }> {
      const here = await recoverJobs(await repo.unfinished(), { skipLive: true });
      const swept = await recovery.sweep();
      return { resumed: [...here.resumed, ...swept.resumed], failed: swept.failed };
    },
    /** See ImportsService.sweep. */
    async sweep(): Promise<{ resumed: string[]; failed: string[] }> {
      if (queue.stopping()) return { resumed: [], failed: [] };
      return recoverJobs(await repo.stale(new Date(clock.now().getTime() - STALE_MS).toISOString()), { failElsewhere: true });
    },
    /** This runner no longer counts as alive. */
    close(): void {
      LIVE_RUNNERS.delete(runner);
    },
  };
  return recovery;
}
