import type { Logger } from 'pino';
import type { Clock } from '../kernel/time.js';
import type { ImportJob, ImportsRepository } from './imports.repository.js';

const HEARTBEAT_MS = 30 * 1000;

/**
 * This process's queue of import jobs: one runs at a time, fairly between environments; a heartbeat keeps
 * the jobs it holds (queued or running) marked alive for the other processes.
 */
export function createImportQueue(deps: { repo: ImportsRepository; clock: Clock; logger: Logger; runner: string; run: (job: ImportJob) => Promise<void> }) {
  const { repo, clock, logger, runner } = deps;
  /** Jobs of this process waiting to run, per environment, in arrival order. */
  const waiting = new Map<string, ImportJob[]>();
  /** When each environment last had a job started here (a counter): the least recently served goes next. */
  const lastServed = new Map<string, number>();
  let served = 0;
  /** The job running now (one at a time per process). */
  let current: Promise<void> | undefined;
  const active = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  let stopping = false;

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      repo.touch([...active], runner, clock.now().toISOString()).catch((err: unknown) => logger.warn({ err }, 'import heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
  }

  /**
   * Fair between environments: the next job is the oldest of the environment with waiting work that was least
   * recently served here, so one environment's backlog delays another's import by at most the job running now.
   */
  function next(): ImportJob | undefined {
    let pick: string | undefined;
    for (const env of waiting.keys()) if (pick === undefined || (lastServed.get(env) ?? -1) < (lastServed.get(pick) ?? -1)) pick = env;
    if (pick === undefined) return undefined;
    const list = waiting.get(pick)!;
    const job = list.shift()!;
    if (list.length === 0) waiting.delete(pick);
    lastServed.set(pick, served++);
    return job;
  }

  function pump(): void {
    if (current || stopping) return;
    const job = next();
    if (!job) return;
    current = deps
      .run(job)
      .catch((err: unknown) => logger.error({ err, jobId: job.id }, 'member import crashed'))
      .finally(() => {
        active.delete(job.id);
        current = undefined;
        pump();
      });
  }

  return {
    /** Queues a job held by this process; it starts when its turn comes. */
    enqueue(job: ImportJob): void {
      active.add(job.id);
      startHeartbeat();
      const list = waiting.get(job.environmentId);
      if (list) list.push(job);
      else waiting.set(job.environmentId, [job]);
      pump();
    },
    /** True when the job is queued or running here. */
    holds: (jobId: string): boolean => active.has(jobId),
    /** True once close() was called. */
    stopping: (): boolean => stopping,
    /** Resolves when every queued job has finished. */
    async whenIdle(): Promise<void> {
      while (current) await current;
    },
    /** Starts nothing more, stops the heartbeat and waits for the running job (which pauses after its batch). */
    async close(): Promise<void> {
      stopping = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      while (current) await current;
    },
  };
}
export type ImportQueue = ReturnType<typeof createImportQueue>;
