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
/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/**
 * The transactional outbox. Bound to the caller's executor — inside a unit of work that is the owner's
 * transaction (`tx.webhookEvents.record(…)`), so the event and its deliveries commit or roll back with
 * the change that caused them. `clock` defaults to the system clock.
 *
 * Cost: one query of the environment's endpoints per call (per environment for `recordMany`); an event no
 * endpoint receives is not written at all (nobody could ever be sent it: an endpoint created later does not
 * get past events), so an environment without subscribers pays that one indexed query and nothing more.
 */
export function createWebhookEventsRepository(ex: Kysely<Database>, clock: Clock = systemClock) {
  async function insert(rows: Array<{ environmentId: string; type: string; keyId: string | null; data: object; endpointIds: string[] }>, now: Date) {
    const createdAt = now.toISOString();
    const events = rows.map((r) => {
      const id = sortableId('evt', now.getTime());
      return { ...r, id, deliveryIds: r.endpointIds.map(() => sortableId('whd', now.getTime())) };
    });
    for (let i = 0; i < events.length; i += CHUNK) {
      await ex
        .insertInto('webhook_events')
        .values(events.slice(i, i + CHUNK).map((e) => ({ id: e.id, environment_id: e.environmentId, type: e.type, key_id: e.keyId, body: eventBody(e.id, e.type, createdAt, e.data), created_at: createdAt })))
        .execute();
    }
    const deliveries = events.flatMap((e) =>
      e.endpointIds.map((endpointId, k) => ({
        id: e.deliveryIds[k],
        event_id: e.id,
        endpoint_id: endpointId,
        environment_id: e.environmentId,
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
    );
    for (let i = 0; i < deliveries.length; i += CHUNK) await ex.insertInto('webhook_deliveries').values(deliveries.slice(i, i + CHUNK)).execute();
    return events.map((e) => ({ id: e.id, deliveries: e.deliveryIds.length, deliveryIds: e.deliveryIds }));
  }

  /** The environment's endpoints that may get events (enabled, or paused: its deliveries wait for it to resume). */
  async function endpointsOf(environmentId: string) {
    const rows = await ex
      .selectFrom('webhook_endpoints as we')
      .innerJoin('api_keys as k', 'k.id', 'we.api_key_id')
      .innerJoin('environments as env', 'env.id', 'k.environment_id')
      .select(['we.id', 'we.events', 'we.api_key_id', 'k.purpose', 'k.revoked_at', 'k.expires_on', 'env.time_zone'])
      .where('we.environment_id', '=', environmentId)
      // A disabled endpoint gets none.
      .where('we.status', 'in', ['enabled', 'paused'])
      .execute();
    return rows.map((r) => ({ ...r, types: new Set(JSON.parse(r.events) as string[]) }));
  }

  /**
   * Records events and one pending delivery per enabled (or paused) endpoint of the environment that subscribes
   * to the type, whose key's purpose may read it and whose key is neither revoked nor expired
   * (`api_key.revoked` still reaches the revoked key's own endpoints: it is their last event). One query of
   * endpoints per environment and one multi-row insert per 500 events and per 500 deliveries, whatever the count.
   */
  async function recordMany(list: RecordEvent[]): Promise<Array<{ id: string; deliveries: number; deliveryIds: string[] }>> {
    for (const e of list) if (!isEventType(e.type)) throw new Error(`Unknown webhook event type ${String(e.type)}`);
    if (list.length === 0) return [];
    const now = clock.now();
    const byEnv = new Map<string, Awaited<ReturnType<typeof endpointsOf>>>();
    const targets: string[][] = [];
    for (const e of list) {
      let endpoints = byEnv.get(e.environmentId);
      if (!endpoints) {
        endpoints = await endpointsOf(e.environmentId);
        byEnv.set(e.environmentId, endpoints);
      }
      targets.push(
        endpoints
          .filter((r) => r.types.has(e.type))
          .filter((r) => e.keyId === undefined || r.api_key_id === e.keyId)
          .filter((r) => isPurpose(r.purpose) && mayReceive(r.purpose, e.type, { endpointKeyId: r.api_key_id, eventKeyId: e.keyId ?? null }))
          .filter((r) => e.type === 'api_key.revoked' || keyLive(r, now.getTime()))
          .map((r) => r.id),
      );
    }
    const written = list.map((e, i) => ({ environmentId: e.environmentId, type: e.type, keyId: e.keyId ?? null, data: e.data, endpointIds: targets[i] })).filter((r) => r.endpointIds.length > 0);
    const ids = await insert(written, now);
    // An event nobody receives is not written: it answers with no id and no deliveries.
    const out = new Map(written.map((w, i) => [w, ids[i]]));
    let k = 0;
    return list.map((_, i) => (targets[i].length > 0 ? out.get(written[k++])! : { id: '', deliveries: 0, deliveryIds: [] }));
  }

  return {
    /** Records one event (see recordMany). */
    async record(e: RecordEvent): Promise<{ id: string; deliveries: number; deliveryIds: string[] }> {
      return (await recordMany([e]))[0];
    },
    recordMany,

    /** The "send test event" of one endpoint: an event of type webhook_endpoint.test delivered to it alone. */
    async recordTest(environmentId: string, endpointId: string): Promise<{ id: string; deliveries: number; deliveryIds: string[] }> {
      const [r] = await insert(
        [{ environmentId, type: TEST_EVENT_TYPE, keyId: null, data: { id: endpointId, object: 'webhook_endpoint', message: 'A test event sent from FLOW.', nonce: newId('test') }, endpointIds: [endpointId] }],
        clock.now(),
      );
      return r;
    },
  };
}
export type WebhookEventsRepository = ReturnType<typeof createWebhookEventsRepository>;
