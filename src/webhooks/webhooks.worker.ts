import type { Logger } from 'pino';
import type { Clock } from '../kernel/time.js';
import type { DeliveryClient } from './delivery-client.js';
import type { SecretBox } from './secret-box.js';
import { webhookHeaders } from './signing.js';
import { keyLive } from './webhook-events.repository.js';
import type { AttemptContext, AttemptOutcome, WebhooksRepository } from './webhooks.repository.js';

/** Delays after the 1st…7th failed attempt (CONTRACT §8); after the 8th the delivery is failed. */
export const RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000, 10 * 3600_000];
/** An endpoint whose attempts have all failed for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600_000;
/** Attempt rows (and finished deliveries) are kept this long. */
export const LOG_RETENTION_MS = 30 * 24 * 3600_000;

/** The background job's interface, for the composition root's scheduler. */
export interface BackgroundJob {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/** Decides what a finished attempt means (pure: the schedule, jitter, final failure, endpoint disabling). */
export function outcomeOf(
  ctx: Pick<AttemptContext, 'attempts' | 'failingSince'>,
  result: { statusCode: number | null; error: string | null; durationMs: number; body: string },
  now: Date,
  random: () => number = Math.random,
): AttemptOutcome {
  const at = now.toISOString();
  const attempt = { attemptedAt: at, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs, responseBody: result.body };
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  if (ok) return { attempt, next: { status: 'succeeded' }, endpoint: { failingSince: null } };
  const n = ctx.attempts + 1; // this attempt's number
  const delay = RETRY_DELAYS_MS[n - 1];
  // ±10 % jitter, so retries of a burst do not arrive together.
  const next: AttemptOutcome['next'] = delay === undefined ? { status: 'failed' } : { status: 'pending', at: new Date(now.getTime() + Math.round(delay * (0.9 + 0.2 * random()))).toISOString() };
  const failingSince = ctx.failingSince ?? at;
  const disable = now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_MS ? `Every delivery failed for 5 days (since ${failingSince}).` : undefined;
  return { attempt, next, endpoint: { failingSince, disable } };
}

/**
 * One attempt of one delivery, shared by the in-process SQL worker and the pg-boss worker: reads the
 * delivery, skips it when its endpoint is paused (lease released) or its key is gone (cancelled), signs
 * (Standard Webhooks), sends through the SSRF-safe client and records the attempt and the next retry.
 * With `expectAttempts`, a delivery that has moved on (another attempt recorded, or finished) is left alone.
 */
export function createAttempt(opts: Pick<WebhookWorkerOptions, 'repo' | 'send' | 'secrets' | 'clock' | 'random'>): (id: string, expectAttempts?: number) => Promise<void> {
  const { repo, send, secrets, clock } = opts;
  const random = opts.random ?? Math.random;
  return async (id, expectAttempts) => {
    const ctx = await repo.attemptContext(id);
    if (!ctx) return; // the endpoint was deleted meanwhile
    if (expectAttempts !== undefined && (ctx.status !== 'pending' || ctx.attempts !== expectAttempts)) return; // a stale job
    const now = clock.now();
    if (ctx.endpointStatus !== 'enabled') return repo.release(id);
    if (ctx.eventType !== 'api_key.revoked' && !keyLive(ctx.key, now.getTime())) {
      return repo.cancel(id, now.toISOString(), ctx.key.revoked_at ? 'The endpoint’s API key was revoked.' : 'The endpoint’s API key expired.');
    }
    const secret = secrets.open(ctx.secretCiphertext, ctx.endpointId);
    const headers = webhookHeaders(secret, ctx.eventId, Math.floor(now.getTime() / 1000), ctx.body);
    const result = await send(ctx.url, headers, ctx.body);
    await repo.complete(ctx, outcomeOf(ctx, result, clock.now(), random));
  };
}

export interface WebhookWorkerOptions {
  repo: WebhooksRepository;
  send: DeliveryClient;
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  /** How often due deliveries are looked for (ms). */
  pollMs?: number;
  /** Attempts in flight to one endpoint at a time (per node). */
  perEndpoint?: number;
  /** Attempts in flight in all (per node). */
  maxInFlight?: number;
  /** How long a claimed delivery stays with this worker (longer than the 10 s timeout); a crashed worker's lease lapses. */
  leaseMs?: number;
  random?: () => number;
}

/**
 * The in-process delivery worker: polls due deliveries, claims each with a lease (so one worker attempts
 * a delivery at a time, across nodes), sends at most `perEndpoint` at a time to an endpoint (a slow one
 * only holds its own slots), and retries on the schedule; `purge()` drops attempts older than 30 days (the scheduler runs it daily).
 */
export function createWebhookWorker(opts: WebhookWorkerOptions): BackgroundJob & { tick(): Promise<void>; whenIdle(): Promise<void>; purge(): Promise<number> } {
  const { repo, send, secrets, clock, logger } = opts;
  const pollMs = opts.pollMs ?? 500;
  const perEndpoint = opts.perEndpoint ?? 4;
  const maxInFlight = opts.maxInFlight ?? 32;
  const leaseMs = opts.leaseMs ?? 60_000;
  const random = opts.random ?? Math.random;
  const inFlight = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let ticking: Promise<void> | undefined;

  const attempt = createAttempt({ repo, send, secrets, clock, random });

  function launch(id: string, endpointId: string): void {
    inFlight.set(endpointId, (inFlight.get(endpointId) ?? 0) + 1);
    const p = attempt(id)
      .catch((err: unknown) => logger.warn({ err, delivery: id }, 'webhook delivery attempt failed; the lease will lapse and it is retried'))
      .finally(() => {
        const n = (inFlight.get(endpointId) ?? 1) - 1;
        if (n === 0) inFlight.delete(endpointId);
        else inFlight.set(endpointId, n);
        running.delete(p);
        // A slot freed: look again at once rather than at the next poll.
        if (!stopped) schedule(0);
      });
    running.add(p);
  }

  async function tickOnce(): Promise<void> {
    const total = () => [...inFlight.values()].reduce((a, b) => a + b, 0);
    const free = maxInFlight - total();
    if (free <= 0) return;
    const now = clock.now();
    const full = [...inFlight].filter(([, n]) => n >= perEndpoint).map(([e]) => e);
    const due = await repo.due(now.toISOString(), free * 2, full);
    for (const d of due) {
      if (total() >= maxInFlight) break;
      if ((inFlight.get(d.endpoint_id) ?? 0) >= perEndpoint) continue;
      if (await repo.claim(d.id, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString())) launch(d.id, d.endpoint_id);
    }
  }

  function tick(): Promise<void> {
    ticking ??= tickOnce()
      .catch((err: unknown) => logger.warn({ err }, 'webhook poll failed; will retry'))
      .finally(() => {
        ticking = undefined;
      });
    return ticking;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void tick().then(() => schedule(pollMs));
    }, ms);
    timer.unref();
  }

  async function purge(): Promise<number> {
    return repo.purge(new Date(clock.now().getTime() - LOG_RETENTION_MS).toISOString());
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await Promise.all(running);
    },
    tick,
    /** Resolves once no attempt is in flight (tests). */
    async whenIdle() {
      await ticking;
      while (running.size > 0) await Promise.all(running);
    },
    purge,
  };
}
