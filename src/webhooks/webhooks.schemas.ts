import { Type, type Static } from '@fastify/type-provider-typebox';
import { EVENT_TYPES } from './event-types.js';

const EventTypeSchema = Type.Unsafe<(typeof EVENT_TYPES)[number]>({ type: 'string', enum: [...EVENT_TYPES], description: 'An event type (see the Webhooks section of /docs).' });

export const WebhookEndpointSchema = Type.Object(
  {
    id: Type.String({ examples: ['we_3kTq9aP2xW7mZ1bC'] }),
    object: Type.Literal('webhook_endpoint'),
    apiKeyId: Type.String({ description: 'The key the endpoint belongs to.' }),
    url: Type.String({ examples: ['https://hooks.example.com/flow'] }),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(EventTypeSchema),
    status: Type.Union([Type.Literal('enabled'), Type.Literal('paused'), Type.Literal('disabled')], {
      description: '`disabled`: every delivery failed for 5 days (see `disabledReason`); PATCH `status: "enabled"` to resume.',
    }),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'WebhookEndpoint', description: 'A URL receiving the events of its types that the key’s purpose may read, signed per Standard Webhooks.' },
);
export type WebhookEndpointView = Static<typeof WebhookEndpointSchema>;

export const WebhookEndpointWithSecret = Type.Object({
  ...WebhookEndpointSchema.properties,
  secret: Type.String({ description: 'The signing secret, `whsec_` + base64. Shown this once: store it.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
});

const Url = Type.String({ minLength: 1, maxLength: 2000, description: 'https:// only; must not resolve to a loopback, private, link-local or metadata address.' });
const Description = Type.Union([Type.String({ maxLength: 500 }), Type.Null()]);
const Events = Type.Array(EventTypeSchema, { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true });

export const CreateEndpointBody = Type.Object({ url: Url, events: Events, description: Type.Optional(Description) }, { additionalProperties: false });
export type CreateEndpointInput = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('paused')], { description: '`paused` stops deliveries (they wait); `enabled` resumes, also after the endpoint was disabled.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEndpointInput = Static<typeof UpdateEndpointBody>;

export const EndpointList = Type.Object({ data: Type.Array(Type.Ref('WebhookEndpoint')) });

export const TestEventAnswer = Type.Object({ eventId: Type.String({ description: 'The `webhook-id` of the test delivery.' }), deliveryId: Type.String() });

const AttemptSchema = Type.Object({
  attemptedAt: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no answer (timeout, refused, connection error).' }),
  durationMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  responseBody: Type.String({ description: 'The first 1 KB of the answer.' }),
});

export const DeliverySchema = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    endpointId: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    completedAt: Type.Union([Type.String(), Type.Null()]),
    attemptLog: Type.Array(AttemptSchema),
  },
  { $id: 'WebhookDelivery' },
);
export type DeliveryView = Static<typeof DeliverySchema>;

export const DeliveryPage = Type.Object({ data: Type.Array(Type.Ref('WebhookDelivery')), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export const DeliveryListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })), cursor: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
