import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { createAttempt, LOG_RETENTION_MS, type BackgroundJob, type WebhookWorkerOptions } from './webhooks.worker.js';

/** The pg-boss queue every node works; pg-boss keeps its tables in this schema of our database. */
export const ATTEMPT_QUEUE = 'webhook-attempt';
export const PGBOSS_SCHEMA = 'flow_pgboss';
/** A job runs at most this long on one node (a little above the 10 s delivery timeout); a killed node's job is retried after it. */
const JOB_EXPIRE_S = 15;
/** Retries of a job (not of the delivery): a full endpoint's job, a crashed node's job, a database error. */
const JOB_RETRY_DELAY_S = 1;
const JOB_RETRY_LIMIT = 100_000;

interface AttemptJob {
  deliveryId: string;
  attempt: number;
  endpointId: string;
}

/**
 * The pg-boss job id of one attempt of one delivery: fixed by both (UUID-shaped, as pg-boss's id column
 * wants), so relaying the same attempt twice (a relay crashed after `send`, a lease lapsed while the job
 * waited) inserts nothing the second time.
 */
export function attemptJobId(deliveryId: string, attempt: number): string {
  const h = createHash('sha256').update(`${deliveryId}:${attempt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

class EndpointBusy extends Error {
  constructor(endpointId: string) {
    super(`endpoint ${endpointId} has its attempts in flight on this node; retried shortly`);
  }
}

export interface PgBossWorkerOptions extends Omit<WebhookWorkerOptions, 'pollMs' | 'leaseMs' | 'maxInFlight'> {
  connectionString: string;
  /** How often the relay moves due deliveries into pg-boss (ms). */
  relayMs?: number;
  /** How long a relayed delivery stays with its job before the relay looks at it again (ms). */
  relayLeaseMs?: number;
  /** pg-boss workers on this node (attempts in flight in all). */
  slots?: number;
}

/**
 * Deliveries on pg-boss (PostgreSQL): the outbox stays ours (event and delivery rows written in the
 * owner's transaction; the schedule, the log and the 5-day disable on `webhook_deliveries`), pg-boss
 * carries the attempts. A relay on every node claims due deliveries (one conditional UPDATE, so each row
 * goes to one relay) and sends one job per attempt, its id fixed by delivery and attempt number; `slots`
 * pg-boss workers run them (one node at a time per job; a killed node's job expires after 15 s and
 * another node runs it), at most `perEndpoint` per endpoint on this node — a job for a full endpoint is
 * handed back to pg-boss for a second rather than holding a slot.
 */
export function createPgBossWebhookWorker(opts: PgBossWorkerOptions): BackgroundJob & { tick(): Promise<void>; whenIdle(): Promise<void>; purge(): Promise<number> } {
  const { repo, clock, logger } = opts;
  const relayMs = opts.relayMs ?? 500;
  const relayLeaseMs = opts.relayLeaseMs ?? 60_000;
  const perEndpoint = opts.perEndpoint ?? 4;
  const slots = opts.slots ?? 16;
  const attempt = createAttempt(opts);
  const inFlight = new Map<string, number>();
  const workers: string[] = [];
  let boss: PgBoss | undefined;
  let starting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let relaying: Promise<void> | undefined;
  let stopped = true;

  /** Runs one job; `again` asks pg-boss to fetch the next one at once rather than after its polling interval. */
  async function run([job]: Array<PgBoss.Job<AttemptJob>>, again: () => void): Promise<void> {
    const { deliveryId, attempt: n, endpointId } = job.data;
    const busy = inFlight.get(endpointId) ?? 0;
    if (busy >= perEndpoint) throw new EndpointBusy(endpointId);
    inFlight.set(endpointId, busy + 1);
    try {
      await attempt(deliveryId, n);
      again();
    } finally {
      const left = (inFlight.get(endpointId) ?? 1) - 1;
      if (left === 0) inFlight.delete(endpointId);
      else inFlight.set(endpointId, left);
    }
  }

  async function send(b: PgBoss, d: { id: string; attempts: number; endpoint_id: string }): Promise<void> {
    const id = attemptJobId(d.id, d.attempts);
    const data: AttemptJob = { deliveryId: d.id, attempt: d.attempts, endpointId: d.endpoint_id };
    const options: PgBoss.SendOptions = { id, singletonKey: `${d.id}:${d.attempts}`, retryLimit: JOB_RETRY_LIMIT, retryDelay: JOB_RETRY_DELAY_S, expireInSeconds: JOB_EXPIRE_S };
    if ((await b.send(ATTEMPT_QUEUE, data, options)) !== null) return;
    // This attempt's job exists: waiting or running, it will run; finished without recording the attempt
    // (its endpoint was paused, or its retries ran out), it is replaced.
    const job = await b.getJobById(ATTEMPT_QUEUE, id);
    if (job && (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled')) {
      await b.deleteJob(ATTEMPT_QUEUE, id);
      await b.send(ATTEMPT_QUEUE, data, options);
    }
  }

  async function relayOnce(): Promise<void> {
    await starting;
    const b = boss;
    if (!b) return;
    const now = clock.now();
    const claimed = await repo.relayClaim(now.toISOString(), new Date(now.getTime() + relayLeaseMs).toISOString(), 200);
    for (const d of claimed) await send(b, d);
    if (claimed.length > 0) for (const w of workers) b.notifyWorker(w);
  }

  function tick(): Promise<void> {
    relaying ??= relayOnce()
      .catch((err: unknown) => logger.warn({ err }, 'webhook relay failed; will retry'))
      .finally(() => {
        relaying = undefined;
      });
    return relaying;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(schedule), relayMs);
    timer.unref();
  }

  async function startBoss(): Promise<void> {
    const b = new PgBoss({ connectionString: opts.connectionString, schema: PGBOSS_SCHEMA, application_name: 'flow-webhooks', max: 6, schedule: false, maintenanceIntervalSeconds: 5 });
    b.on('error', (err: unknown) => logger.warn({ err }, 'pg-boss error'));
    try {
      await b.start();
      // Every node creates the queue; pg-boss's create_queue does nothing when it exists.
      if (!(await b.getQueue(ATTEMPT_QUEUE))) await b.createQueue(ATTEMPT_QUEUE, { name: ATTEMPT_QUEUE, policy: 'standard', retryLimit: JOB_RETRY_LIMIT, retryDelay: JOB_RETRY_DELAY_S, expireInSeconds: JOB_EXPIRE_S });
      // One job per worker: a slow endpoint holds only the slots of its own attempts.
      for (let i = 0; i < slots; i++) {
        // The handler first runs after a fetch from the database, so after `work` has answered the id.
        const id: string = await b.work<AttemptJob>(ATTEMPT_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, (jobs) => run(jobs, () => b.notifyWorker(id)));
        workers.push(id);
      }
      boss = b;
    } catch (err) {
      workers.length = 0;
      await b.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Starts pg-boss, and tries again every 5 s while PostgreSQL cannot be reached (the outbox keeps the events meanwhile). */
  async function startUntilUp(): Promise<void> {
    for (;;) {
      try {
        return await startBoss();
      } catch (err) {
        if (stopped) return;
        logger.warn({ err }, 'pg-boss could not start; webhook deliveries wait, retrying in 5 s');
        await new Promise((r) => setTimeout(r, 5_000));
        if (stopped) return;
      }
    }
  }

  return {
    async start() {
      if (!stopped) return starting;
      stopped = false;
      starting = startUntilUp();
      // The server does not wait for pg-boss: the relay starts once it is up.
      void starting.then(schedule);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await starting?.catch(() => undefined);
      await relaying;
      const b = boss;
      boss = undefined;
      workers.length = 0;
      // Graceful: running attempts finish and are recorded before the connections close.
      await b?.stop({ graceful: true, wait: true, timeout: 20_000 });
    },
    tick,
    /** Resolves once pg-boss has no waiting or running attempt (tests). */
    async whenIdle() {
      await starting;
      await relaying;
      for (;;) {
        const b = boss;
        if (!b || (await b.getQueueSize(ATTEMPT_QUEUE, { before: 'completed' })) === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async purge() {
      return repo.purge(new Date(clock.now().getTime() - LOG_RETENTION_MS).toISOString());
    },
  };
}
