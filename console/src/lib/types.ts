/**
 * Shapes of the /admin/v1 answers the console reads: the server's own TypeBox schemas as types. These are
 * type-only imports, erased by Vite, so not a byte of the server reaches the bundle.
 */
import type { Static } from 'typebox';
import type { AuditEventSchema } from '../../../src/audit/audit.schemas.js';
import type { KeyViewSchema, KeyWithSecretSchema, PurposesSchema, UsageDaySchema } from '../../../src/keys/keys.schemas.js';
import type { SessionSchema } from '../../../src/staff/session.schemas.js';
import type { DeliverySchema, WebhookEndpointSchema, WebhookEndpointWithSecret as WebhookEndpointWithSecretSchema } from '../../../src/webhooks/webhooks.schemas.js';

export type Session = Static<typeof SessionSchema>;

export type ApiKey = Static<typeof KeyViewSchema>;
export type ApiKeyWithSecret = Static<typeof KeyWithSecretSchema>;
export type KeyStatus = ApiKey['status'];

export type Purposes = Static<typeof PurposesSchema>;

export type UsageDay = Static<typeof UsageDaySchema>;

export type AuditEvent = Static<typeof AuditEventSchema>;

export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>;
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecretSchema>;
export type WebhookDelivery = Static<typeof DeliverySchema>;

/** A problem's field error, as the server's problem+json lists them. */
export type { FieldError } from '../../../src/kernel/errors.js';

/** Field path → message, as shown beside each field. */
export type FieldErrors = Record<string, string>;
