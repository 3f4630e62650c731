import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../db/schema.js';
import { sortableId } from '../kernel/ids.js';

export type EndpointRow = Selectable<WebhookEndpointsTable> & { purpose: string };
export type DeliveryRow = Selectable<WebhookDeliveriesTable> & { event_type: string };
export type AttemptRow = Selectable<WebhookAttemptsTable>;

/** What the worker needs to attempt one delivery. */
export interface AttemptContext {
  id: string;
  /** pending, succeeded or failed. */
  status: string;
  attempts: number;
  eventId: string;
  eventType: string;
  body: string;
  endpointId: string;
  url: string;
  secretCiphertext: string;
  endpointStatus: string;
  failingSince: string | null;
  key: { revoked_at: string | null; expires_on: string; time_zone: string };
}

/** How an attempt ended, as the worker decided it. */
export interface AttemptOutcome {
  attempt: { attemptedAt: string; statusCode: number | null; error: string | null; durationMs: number; responseBody: string };
  /** `pending` with the next time, or final. */
  next: { status: 'pending'; at: string } | { status: 'succeeded' | 'failed' };
  /** The endpoint's run of failures: cleared, started/continued, or the endpoint disabled. */
  endpoint: { failingSince: string | null; disable?: string };
}

/** Endpoints, deliveries and the attempt log (SQL only here). */
export function createWebhooksRepository(ex: Kysely<Database>) {
  const endpoints = () =>
    ex.selectFrom('webhook_endpoints as we').innerJoin('api_keys as k', 'k.id', 'we.api_key_id').selectAll('we').select('k.purpose');
  const deliveries = () => ex.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as ev', 'ev.id', 'd.event_id').selectAll('d').select('ev.type as event_type');

  return {
    async insertEndpoint(row: Selectable<WebhookEndpointsTable>): Promise<void> {
      await ex.insertInto('webhook_endpoints').values(row).execute();
    },
    async findEndpoint(environmentId: string, id: string): Promise<EndpointRow | undefined> {
      return endpoints().where('we.environment_id', '=', environmentId).where('we.id', '=', id).executeTakeFirst();
    },
    async listForKey(environmentId: string, keyId: string): Promise<EndpointRow[]> {
      return endpoints().where('we.environment_id', '=', environmentId).where('we.api_key_id', '=', keyId).orderBy('we.created_at').orderBy('we.id').execute();
    },
    async countForKey(keyId: string): Promise<number> {
      const r = await ex.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<string | number>().as('n')).where('api_key_id', '=', keyId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async keyOf(environmentId: string, keyId: string): Promise<{ id: string; purpose: string; revoked_at: string | null } | undefined> {
      return ex.selectFrom('api_keys').select(['id', 'purpose', 'revoked_at']).where('environment_id', '=', environmentId).where('id', '=', keyId).executeTakeFirst();
    },
    async updateEndpoint(id: string, patch: Partial<Omit<Selectable<WebhookEndpointsTable>, 'id' | 'environment_id' | 'api_key_id' | 'created_at'>>): Promise<void> {
      await ex.updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
    },
    async deleteEndpoint(id: string): Promise<void> {
      await ex.transaction().execute(async (trx) => {
        // Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys per connection setting.
        const ids = trx.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id);
        await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
        await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      });
    },

    /** A page of an endpoint's deliveries, newest first (ids sort by creation). */
    async listDeliveries(endpointId: string, page: { limit: number; before?: string }): Promise<DeliveryRow[]> {
      let q = deliveries().where('d.endpoint_id', '=', endpointId);
      if (page.before) q = q.where('d.id', '<', page.before);
      return q.orderBy('d.id', 'desc').limit(page.limit).execute();
    },
    async attemptsOf(deliveryIds: string[]): Promise<AttemptRow[]> {
      if (deliveryIds.length === 0) return [];
      return ex.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('attempted_at').orderBy('id').execute();
    },
    async findDelivery(environmentId: string, id: string): Promise<DeliveryRow | undefined> {
      return deliveries().where('d.environment_id', '=', environmentId).where('d.id', '=', id).executeTakeFirst();
    },
    /** A new pending delivery of the same event to the same endpoint (same webhook-id), due now. */
    async redeliver(d: { eventId: string; endpointId: string; environmentId: string }, now: Date): Promise<string> {
      const at = now.toISOString();
      const id = sortableId('whd', now.getTime());
      await ex
        .insertInto('webhook_deliveries')
        .values({ id, event_id: d.eventId, endpoint_id: d.endpointId, environment_id: d.environmentId, status: 'pending', attempts: 0, next_attempt_at: at, lease_until: null, last_status_code: null, last_error: null, created_at: at, updated_at: at, completed_at: null })
        .execute();
      return id;
    },

    // ---- the worker ----

    /** Due, unleased deliveries of enabled endpoints, oldest due first, skipping endpoints at their limit. */
    async due(now: string, limit: number, skipEndpoints: string[]): Promise<Array<{ id: string; endpoint_id: string }>> {
      let q = ex
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as we', 'we.id', 'd.endpoint_id')
        .select(['d.id', 'd.endpoint_id'])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
        .where('we.status', '=', 'enabled');
      if (skipEndpoints.length > 0) q = q.where('d.endpoint_id', 'not in', skipEndpoints);
      return q.orderBy('d.next_attempt_at').limit(limit).execute();
    },
    /**
     * Takes the lease of a due delivery; true when this caller got it. One conditional UPDATE: on
     * PostgreSQL the row lock makes a concurrent claimer re-check the condition and find it taken.
     */
    async claim(id: string, now: string, leaseUntil: string): Promise<boolean> {
      const r = await ex
        .updateTable('webhook_deliveries')
        .set({ lease_until: leaseUntil, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /**
     * The pg-boss relay's claim: leases up to `limit` due deliveries of enabled endpoints in one
     * conditional UPDATE (PostgreSQL re-checks the lease condition on a row another node claimed
     * meanwhile, so each row goes to one relay) and answers them with their attempt number.
     */
    async relayClaim(now: string, leaseUntil: string, limit: number): Promise<Array<{ id: string; attempts: number; endpoint_id: string }>> {
      const free = (eb: ExpressionBuilder<Database, 'webhook_deliveries'>) => eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now), eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)])]);
      const due = ex
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as we', 'we.id', 'd.endpoint_id')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
        .where('we.status', '=', 'enabled')
        .orderBy('d.next_attempt_at')
        .limit(limit);
      return ex.updateTable('webhook_deliveries').set({ lease_until: leaseUntil }).where('id', 'in', due).where(free).returning(['id', 'attempts', 'endpoint_id']).execute();
    },
    async attemptContext(id: string): Promise<AttemptContext | undefined> {
      const r = await ex
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
        .innerJoin('webhook_endpoints as we', 'we.id', 'd.endpoint_id')
        .innerJoin('api_keys as k', 'k.id', 'we.api_key_id')
        .innerJoin('environments as env', 'env.id', 'k.environment_id')
        .select(['d.id', 'd.status as delivery_status', 'd.attempts', 'ev.id as event_id', 'ev.type', 'ev.body', 'we.id as endpoint_id', 'we.url', 'we.secret_ciphertext', 'we.status', 'we.failing_since', 'k.revoked_at', 'k.expires_on', 'env.time_zone'])
        .where('d.id', '=', id)
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        status: r.delivery_status,
        attempts: r.attempts,
        eventId: r.event_id,
        eventType: r.type,
        body: r.body,
        endpointId: r.endpoint_id,
        url: r.url,
        secretCiphertext: r.secret_ciphertext,
        endpointStatus: r.status,
        failingSince: r.failing_since,
        key: { revoked_at: r.revoked_at, expires_on: r.expires_on, time_zone: r.time_zone },
      };
    },
    /** Gives a lease back without attempting (the endpoint was paused meanwhile). */
    async release(id: string): Promise<void> {
      await ex.updateTable('webhook_deliveries').set({ lease_until: null }).where('id', '=', id).execute();
    },
    /** Ends a delivery without an attempt (its key was revoked or expired). */
    async cancel(id: string, now: string, reason: string): Promise<void> {
      await ex.updateTable('webhook_deliveries').set({ status: 'failed', lease_until: null, next_attempt_at: null, last_error: reason, updated_at: now, completed_at: now }).where('id', '=', id).execute();
    },
    /** Logs an attempt and applies its outcome to the delivery and its endpoint, in one transaction. */
    async complete(ctx: Pick<AttemptContext, 'id' | 'endpointId'>, outcome: AttemptOutcome): Promise<void> {
      const { attempt, next, endpoint } = outcome;
      const now = attempt.attemptedAt;
      await ex.transaction().execute(async (trx) => {
        await trx
          .insertInto('webhook_attempts')
          .values({ id: sortableId('wha', Date.parse(now)), delivery_id: ctx.id, attempted_at: now, status_code: attempt.statusCode, error: attempt.error, duration_ms: attempt.durationMs, response_body: attempt.responseBody })
          .execute();
        await trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            attempts: eb('attempts', '+', 1),
            status: next.status,
            next_attempt_at: next.status === 'pending' ? next.at : null,
            completed_at: next.status === 'pending' ? null : now,
            lease_until: null,
            last_status_code: attempt.statusCode,
            last_error: attempt.error,
            updated_at: now,
          }))
          .where('id', '=', ctx.id)
          .execute();
        if (endpoint.disable) {
          await trx.updateTable('webhook_endpoints').set({ status: 'disabled', disabled_reason: endpoint.disable, failing_since: endpoint.failingSince, updated_at: now }).where('id', '=', ctx.endpointId).where('status', '=', 'enabled').execute();
        } else if (endpoint.failingSince === null) {
          await trx.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', ctx.endpointId).where('failing_since', 'is not', null).execute();
        } else {
          await trx.updateTable('webhook_endpoints').set({ failing_since: endpoint.failingSince }).where('id', '=', ctx.endpointId).where('failing_since', 'is', null).execute();
        }
      });
    },
    /** Deletes attempt rows, finished deliveries and their events older than `before` (the 30-day log). */
    async purge(before: string): Promise<number> {
      const a = await ex.deleteFrom('webhook_attempts').where('attempted_at', '<', before).executeTakeFirst();
      const old = ex.selectFrom('webhook_deliveries').select('id').where('status', '<>', 'pending').where('completed_at', '<', before);
      await ex.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
      await ex.deleteFrom('webhook_deliveries').where('status', '<>', 'pending').where('completed_at', '<', before).execute();
      await ex
        .deleteFrom('webhook_events')
        .where('created_at', '<', before)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'webhook_events.id'))))
        .execute();
      return Number(a.numDeletedRows);
    },
  };
}
export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
