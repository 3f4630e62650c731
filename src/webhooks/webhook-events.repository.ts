import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { newId, sortableId } from '../kernel/ids.js';
import { isPurpose } from '../kernel/permissions.js';
import { endOfDay, systemClock, type Clock } from '../kernel/time.js';
import { isEventType, mayReceive, TEST_EVENT_TYPE, type EventType } from './event-types.js';

/** What an owner records: the environment, the type, the resource as GET returns it; `keyId` for api_key.* events. */
export interface RecordEvent {
  environmentId: string;
  type: EventType;
  data: object;
  keyId?: string;
}

/** The body every delivery of an event sends (and signs), built once so retries send the same bytes. */
export function eventBody(id: string, type: string, createdAt: string, data: object): string {
  return JSON.stringify({ id, type, createdAt, data: { object: data } });
}

/** Whether a key still receives events at `nowMs`: not revoked and not past the end of its expiry day. */
export function keyLive(key: { revoked_at: string | null; expires_on: string; time_zone: string }, nowMs: number): boolean {
  return key.revoked_at === null && endOfDay(key.expires_on, key.time_zone) > nowMs;
}

/**
 * The transactional outbox. Bound to the caller's executor — inside a unit of work that is the owner's
 * transaction (`tx.webhookEvents.record(…)`), so the event and its deliveries commit or roll back with
 * the change that caused them. `clock` defaults to the system clock.
 */
export function createWebhookEventsRepository(ex: Kysely<Database>, clock: Clock = systemClock) {
  async function insert(environmentId: string, type: string, keyId: string | null, data: object, endpointIds: (now: Date) => Promise<string[]>) {
    const now = clock.now();
    const createdAt = now.toISOString();
    const id = sortableId('evt', now.getTime());
    await ex.insertInto('webhook_events').values({ id, environment_id: environmentId, type, key_id: keyId, body: eventBody(id, type, createdAt, data), created_at: createdAt }).execute();
    const targets = (await endpointIds(now)).map((endpointId) => ({ endpointId, id: sortableId('whd', now.getTime()) }));
    if (targets.length > 0) {
      await ex
        .insertInto('webhook_deliveries')
        .values(
          targets.map(({ endpointId, id: deliveryId }) => ({
            id: deliveryId,
            event_id: id,
            endpoint_id: endpointId,
            environment_id: environmentId,
            status: 'pending',
            attempts: 0,
            next_attempt_at: createdAt,
            lease_until: null,
            last_status_code: null,
            last_error: null,
            created_at: createdAt,
            updated_at: createdAt,
            completed_at: null,
          })),
        )
        .execute();
    }
    return { id, deliveries: targets.length, deliveryIds: targets.map((t) => t.id) };
  }

  return {
    /**
     * Records an event and one pending delivery per enabled (or paused) endpoint of the environment that subscribes
     * to the type, whose key's purpose may read it and whose key is neither revoked nor expired
     * (`api_key.revoked` still reaches the revoked key's own endpoints: it is their last event).
     */
    async record(e: RecordEvent): Promise<{ id: string; deliveries: number; deliveryIds: string[] }> {
      if (!isEventType(e.type)) throw new Error(`Unknown webhook event type ${String(e.type)}`);
      return insert(e.environmentId, e.type, e.keyId ?? null, e.data, async (now) => {
        let q = ex
          .selectFrom('webhook_endpoints as we')
          .innerJoin('api_keys as k', 'k.id', 'we.api_key_id')
          .innerJoin('environments as env', 'env.id', 'k.environment_id')
          .select(['we.id', 'we.events', 'we.api_key_id', 'k.purpose', 'k.revoked_at', 'k.expires_on', 'env.time_zone'])
          .where('we.environment_id', '=', e.environmentId)
          // A paused endpoint's deliveries wait for it to resume; a disabled one gets none.
          .where('we.status', 'in', ['enabled', 'paused']);
        if (e.keyId !== undefined) q = q.where('we.api_key_id', '=', e.keyId);
        const rows = await q.execute();
        return rows
          .filter((r) => (JSON.parse(r.events) as string[]).includes(e.type))
          .filter((r) => isPurpose(r.purpose) && mayReceive(r.purpose, e.type, { endpointKeyId: r.api_key_id, eventKeyId: e.keyId ?? null }))
          .filter((r) => e.type === 'api_key.revoked' || keyLive(r, now.getTime()))
          .map((r) => r.id);
      });
    },

    /** The "send test event" of one endpoint: an event of type webhook_endpoint.test delivered to it alone. */
    async recordTest(environmentId: string, endpointId: string): Promise<{ id: string; deliveries: number; deliveryIds: string[] }> {
      return insert(environmentId, TEST_EVENT_TYPE, null, { id: endpointId, object: 'webhook_endpoint', message: 'A test event sent from FLOW.', nonce: newId('test') }, async () => [endpointId]);
    },
  };
}
export type WebhookEventsRepository = ReturnType<typeof createWebhookEventsRepository>;
