import type { Actor } from '../audit/audit.service.js';
import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { grants as grantsPermission, isPurpose, PURPOSE_INFO, type Purpose } from '../kernel/permissions.js';
import type { Clock } from '../kernel/time.js';
import { urlProblem, type Resolve } from './address-guard.js';
import { permissionFor, type EventType } from './event-types.js';
import type { SecretBox } from './secret-box.js';
import { newSigningSecret } from './signing.js';
import type { WebhookEventsRepository } from './webhook-events.repository.js';
import type { CreateEndpointInput, DeliveryView, UpdateEndpointInput, WebhookEndpointView } from './webhooks.schemas.js';
import type { AttemptRow, DeliveryRow, EndpointRow, WebhooksRepository } from './webhooks.repository.js';

/** Endpoints a key may have (enough for every event type on a few URLs). */
const MAX_ENDPOINTS_PER_KEY = 20;

/** The caller of the /v1 operations: the verified key. */
export interface KeyOwner {
  id: string;
  environmentId: string;
  purpose: Purpose;
}

function view(r: EndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    object: 'webhook_endpoint',
    apiKeyId: r.api_key_id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as EventType[],
    status: r.status as WebhookEndpointView['status'],
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function deliveryView(d: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
  return {
    id: d.id,
    eventId: d.event_id,
    eventType: d.event_type,
    endpointId: d.endpoint_id,
    status: d.status as DeliveryView['status'],
    attempts: d.attempts,
    nextAttemptAt: d.next_attempt_at,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    createdAt: d.created_at,
    completedAt: d.completed_at,
    attemptLog: attempts.map((a) => ({ attemptedAt: a.attempted_at, statusCode: a.status_code, durationMs: a.duration_ms, error: a.error, responseBody: a.response_body })),
  };
}

/** The 403 when a purpose may not read an event type's data: names the type and the permission it needs. */
function deniedTypes(purpose: Purpose, events: readonly EventType[]): AppError | undefined {
  const denied = events.filter((t) => {
    const p = permissionFor(t);
    return p !== null && !grantsPermission(purpose, p);
  });
  if (denied.length === 0) return undefined;
  const list = denied.map((t) => `${t} (needs ${permissionFor(t)})`).join(', ');
  return new AppError(
    'permission_denied',
    `This key's purpose, ${PURPOSE_INFO[purpose].label} (${purpose}), may not read the data of the event type${denied.length > 1 ? 's' : ''} ${list}.`,
    denied.map((t) => ({ path: 'events', message: `${t} needs ${permissionFor(t)}` })),
  );
}

/**
 * Webhook endpoints for the integration (its own key's endpoints) and for staff (any key's endpoints of
 * their environment), the delivery log, redelivery and the test event. Free of HTTP.
 */
export function createWebhooksService(deps: {
  repo: WebhooksRepository;
  /** The outbox bound to the store (test events are recorded outside any owner's transaction). */
  events: WebhookEventsRepository;
  secrets: SecretBox;
  clock: Clock;
  allowPrivate: boolean;
  resolve?: Resolve;
  audit?: { record(e: { environmentId: string; actor: Actor; action: string; targetType?: string; targetId?: string; changes?: Record<string, unknown> }): Promise<void> };
}) {
  const { repo, secrets, clock } = deps;

  async function checkUrl(url: string): Promise<void> {
    const problem = await urlProblem(url, { allowPrivate: deps.allowPrivate, resolve: deps.resolve });
    if (problem) throw invalid([{ path: 'url', message: problem }]);
  }

  async function own(owner: KeyOwner, id: string): Promise<EndpointRow> {
    const r = await repo.findEndpoint(owner.environmentId, id);
    // Another key's endpoint is as invisible as another environment's.
    if (!r || r.api_key_id !== owner.id) throw new AppError('not_found', `No webhook endpoint ${id}.`);
    return r;
  }

  async function inEnvironment(environmentId: string, id: string): Promise<EndpointRow> {
    const r = await repo.findEndpoint(environmentId, id);
    if (!r) throw new AppError('not_found', `No webhook endpoint ${id}.`);
    return r;
  }

  function purposeOf(r: EndpointRow): Purpose {
    if (!isPurpose(r.purpose)) throw new AppError('internal', `Unknown purpose ${r.purpose}`);
    return r.purpose;
  }

  async function update(r: EndpointRow, patch: UpdateEndpointInput, actor: Actor): Promise<WebhookEndpointView> {
    if (patch.events) {
      const denied = deniedTypes(purposeOf(r), patch.events);
      if (denied) throw denied;
    }
    if (patch.url !== undefined) await checkUrl(patch.url);
    const now = clock.now().toISOString();
    const set: Parameters<WebhooksRepository['updateEndpoint']>[1] = { updated_at: now };
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.events !== undefined) set.events = JSON.stringify(patch.events);
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.status !== undefined) {
      set.status = patch.status;
      if (patch.status === 'enabled') {
        set.disabled_reason = null;
        set.failing_since = null;
      }
    }
    await repo.updateEndpoint(r.id, set);
    await deps.audit?.record({ environmentId: r.environment_id, actor, action: 'webhook_endpoint.updated', targetType: 'webhook_endpoint', targetId: r.id, changes: { ...patch } });
    return view((await repo.findEndpoint(r.environment_id, r.id)) as EndpointRow);
  }

  async function remove(r: EndpointRow, actor: Actor): Promise<void> {
    await repo.deleteEndpoint(r.id);
    await deps.audit?.record({ environmentId: r.environment_id, actor, action: 'webhook_endpoint.deleted', targetType: 'webhook_endpoint', targetId: r.id });
  }

  async function create(owner: KeyOwner, input: CreateEndpointInput, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
    const denied = deniedTypes(owner.purpose, input.events);
    if (denied) throw denied;
    await checkUrl(input.url);
    if ((await repo.countForKey(owner.id)) >= MAX_ENDPOINTS_PER_KEY) throw new AppError('conflict', `A key may have at most ${MAX_ENDPOINTS_PER_KEY} webhook endpoints.`);
    const id = newId('we');
    const secret = newSigningSecret();
    const now = clock.now().toISOString();
    await repo.insertEndpoint({
      id,
      environment_id: owner.environmentId,
      api_key_id: owner.id,
      url: input.url,
      description: input.description ?? null,
      events: JSON.stringify(input.events),
      secret_ciphertext: secrets.seal(secret, id),
      status: 'enabled',
      disabled_reason: null,
      failing_since: null,
      created_at: now,
      updated_at: now,
    });
    await deps.audit?.record({ environmentId: owner.environmentId, actor, action: 'webhook_endpoint.created', targetType: 'webhook_endpoint', targetId: id, changes: { url: input.url, events: input.events } });
    return { ...view((await repo.findEndpoint(owner.environmentId, id)) as EndpointRow), secret };
  }

  async function rollSecret(r: EndpointRow, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
    const secret = newSigningSecret();
    await repo.updateEndpoint(r.id, { secret_ciphertext: secrets.seal(secret, r.id), updated_at: clock.now().toISOString() });
    await deps.audit?.record({ environmentId: r.environment_id, actor, action: 'webhook_endpoint.secret_rolled', targetType: 'webhook_endpoint', targetId: r.id });
    return { ...view((await repo.findEndpoint(r.environment_id, r.id)) as EndpointRow), secret };
  }

  async function sendTest(r: EndpointRow): Promise<{ eventId: string; deliveryId: string }> {
    const { id, deliveryIds } = await deps.events.recordTest(r.environment_id, r.id);
    return { eventId: id, deliveryId: deliveryIds[0] };
  }

  return {
    /** The calling key's endpoints. */
    async list(owner: KeyOwner): Promise<{ data: WebhookEndpointView[] }> {
      return { data: (await repo.listForKey(owner.environmentId, owner.id)).map(view) };
    },

    /** Adds an endpoint to the calling key; the answer holds the secret, shown this once. */
    async create(owner: KeyOwner, input: CreateEndpointInput, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
      return create(owner, input, actor);
    },

    async get(owner: KeyOwner, id: string): Promise<WebhookEndpointView> {
      return view(await own(owner, id));
    },
    async update(owner: KeyOwner, id: string, patch: UpdateEndpointInput, actor: Actor): Promise<WebhookEndpointView> {
      return update(await own(owner, id), patch, actor);
    },
    async remove(owner: KeyOwner, id: string, actor: Actor): Promise<void> {
      return remove(await own(owner, id), actor);
    },
    /** A new secret at once (the old one stops signing); shown this once. */
    async rollSecret(owner: KeyOwner, id: string, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
      return rollSecret(await own(owner, id), actor);
    },
    async sendTest(owner: KeyOwner, id: string): Promise<{ eventId: string; deliveryId: string }> {
      return sendTest(await own(owner, id));
    },

    // ---- staff (the key's page) ----

    async listForKey(environmentId: string, keyId: string): Promise<{ data: WebhookEndpointView[] }> {
      if (!(await repo.keyOf(environmentId, keyId))) throw new AppError('not_found', `No API key ${keyId}.`);
      return { data: (await repo.listForKey(environmentId, keyId)).map(view) };
    },
    /** Adds an endpoint to a key of the environment (the key's purpose decides the event types); the secret is shown this once. */
    async adminCreate(environmentId: string, keyId: string, input: CreateEndpointInput, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
      const key = await repo.keyOf(environmentId, keyId);
      if (!key) throw new AppError('not_found', `No API key ${keyId}.`);
      if (!isPurpose(key.purpose)) throw new AppError('internal', `Unknown purpose ${key.purpose}`);
      if (key.revoked_at !== null) throw new AppError('conflict', `The key ${keyId} is revoked: it receives no events, so it can have no new webhook endpoint.`);
      return create({ id: key.id, environmentId, purpose: key.purpose }, input, actor);
    },
    async adminRollSecret(environmentId: string, id: string, actor: Actor): Promise<WebhookEndpointView & { secret: string }> {
      return rollSecret(await inEnvironment(environmentId, id), actor);
    },
    async adminUpdate(environmentId: string, id: string, patch: UpdateEndpointInput, actor: Actor): Promise<WebhookEndpointView> {
      return update(await inEnvironment(environmentId, id), patch, actor);
    },
    async adminRemove(environmentId: string, id: string, actor: Actor): Promise<void> {
      return remove(await inEnvironment(environmentId, id), actor);
    },
    async adminSendTest(environmentId: string, id: string): Promise<{ eventId: string; deliveryId: string }> {
      return sendTest(await inEnvironment(environmentId, id));
    },
    /** An endpoint's deliveries, newest first, each with its attempt log. */
    async deliveries(environmentId: string, endpointId: string, page: { limit?: number; cursor?: string }): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
      await inEnvironment(environmentId, endpointId);
      const limit = page.limit ?? 25;
      if (page.cursor !== undefined && !/^whd_[A-Za-z0-9]{1,40}$/.test(page.cursor)) throw invalid([{ path: 'cursor', message: 'is not a cursor from this list' }]);
      const rows = await repo.listDeliveries(endpointId, { limit: limit + 1, before: page.cursor });
      const data = rows.slice(0, limit);
      const attempts = await repo.attemptsOf(data.map((d) => d.id));
      const byDelivery = new Map<string, AttemptRow[]>();
      for (const a of attempts) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
      return { data: data.map((d) => deliveryView(d, byDelivery.get(d.id) ?? [])), nextCursor: rows.length > limit ? data[data.length - 1].id : null };
    },
    /** Sends the delivery's event again to its endpoint (a new delivery, the same webhook-id). */
    async redeliver(environmentId: string, deliveryId: string, actor: Actor): Promise<DeliveryView> {
      const d = await repo.findDelivery(environmentId, deliveryId);
      if (!d) throw new AppError('not_found', `No webhook delivery ${deliveryId}.`);
      const id = await repo.redeliver({ eventId: d.event_id, endpointId: d.endpoint_id, environmentId }, clock.now());
      await deps.audit?.record({ environmentId, actor, action: 'webhook_delivery.redelivered', targetType: 'webhook_delivery', targetId: deliveryId, changes: { newDeliveryId: id } });
      return deliveryView((await repo.findDelivery(environmentId, id)) as DeliveryRow, []);
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhooksService>;
