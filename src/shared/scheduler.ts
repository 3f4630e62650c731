/** One periodic job: what it is called, how often it runs and what it does. */
export interface Job {
  name: string;
  /** Milliseconds between timer ticks (a run still going is not started twice); 0 runs the job at start only. */
  everyMs: number;
  run: () => Promise<unknown>;
  /** Run once as soon as the scheduler starts (default), in the background, before the first interval. */
  runAtStart?: boolean;
  /** Set-up awaited by start() (e.g. subscribing to a channel, or a first read that must be done before serving). */
  setUp?: () => Promise<void>;
  /** Clean-up awaited by stop() after the last run has finished (e.g. a final flush). */
  tearDown?: () => Promise<void>;
}

interface SchedulerLog {
  warn(obj: object, msg: string): void;
}

/**
 * Owns every periodic background job of a process: one start() (the server calls it before listening),
 * one stop() that clears every timer and waits for runs in progress. A failing run is logged and retried
 * at its next tick; it never throws. Timers are unref'd: they never keep a process alive on their own.
 */
export function createScheduler(deps: { logger: SchedulerLog; jobs?: Job[] }) {
  const { logger } = deps;
  const jobs: Job[] = [...(deps.jobs ?? [])];
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  let started = false;
  let stopping: Promise<void> | undefined;

  /** Runs a job now unless a run of it is still going (then that run is returned). */
  function runNow(job: Job): Promise<void> {
    const current = running.get(job.name);
    if (current) return current;
    const run = (async () => {
      try {
        await job.run();
      } catch (err) {
        logger.warn({ err, job: job.name }, `${job.name} failed; will retry`);
      }
    })().finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  }

  async function startJob(job: Job): Promise<void> {
    if (job.setUp) {
      try {
        await job.setUp();
      } catch (err) {
        logger.warn({ err, job: job.name }, `${job.name} could not start; will retry at its next tick`);
      }
    }
    if (job.everyMs > 0) {
      const timer = setInterval(() => void runNow(job), job.everyMs);
      timer.unref();
      timers.set(job.name, timer);
    }
    if (job.runAtStart !== false) void runNow(job);
  }

  return {
    /** Adds a job (before start(); names are unique). */
    add(job: Job): void {
      if (started) throw new Error(`scheduler already started: cannot add ${job.name}`);
      if (jobs.some((j) => j.name === job.name)) throw new Error(`duplicate job ${job.name}`);
      jobs.push(job);
    },
    /** The registered job names, in order. */
    names: (): string[] => jobs.map((j) => j.name),
    /** Starts every job: its set-up (awaited), its timer and its first run (in the background; stop() waits for it). */
    async start(): Promise<void> {
      if (started) return;
      started = true;
      await Promise.all(jobs.map((job) => startJob(job)));
    },
    /** Runs one job now, by name (tests; callers that want a job's work done before going on). */
    run(name: string): Promise<void> {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job ${name}`);
      return runNow(job);
    },
    /** Clears every timer, waits for runs in progress, then tears each job down. Safe to call twice. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        for (const timer of timers.values()) clearInterval(timer);
        timers.clear();
        await Promise.all(running.values());
        for (const job of jobs) {
          if (!job.tearDown || !started) continue;
          try {
            await job.tearDown();
          } catch (err) {
            logger.warn({ err, job: job.name }, `${job.name} did not stop cleanly`);
          }
        }
      })();
      return stopping;
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
