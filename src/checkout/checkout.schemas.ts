import { Type, type Static } from '@fastify/type-provider-typebox';
import { EMAIL_MAX_LENGTH } from '../kernel/rules/email.js';
import { MAX_REDIRECT_URL_LENGTH } from '../kernel/rules/redirect-origin.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });

/** POST /v1/checkout/sessions. */
export const CreateSessionBodySchema = Type.Object(
  {
    membershipTypeId: Type.String({ minLength: 1, maxLength: 64, description: 'What is bought (mt_…)' }),
    siteId: Type.String({ minLength: 1, maxLength: 64, description: 'Where (site_…)' }),
    customer: Type.Object(
      {
        memberId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'An existing member (mem_…); the page then asks no details' })),
        firstName: Type.Optional(Name),
        lastName: Type.Optional(Name),
        email: Type.Optional(Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH })),
      },
      { additionalProperties: false, description: 'Either { memberId } or { firstName, lastName, email } (pre-fills the page; the customer may correct it)' },
    ),
    successUrl: Type.String({ minLength: 1, maxLength: MAX_REDIRECT_URL_LENGTH, description: 'https URL (http only for localhost); gets ?session_id=<id> appended' }),
    cancelUrl: Type.String({ minLength: 1, maxLength: MAX_REDIRECT_URL_LENGTH, description: 'https URL (http only for localhost); gets ?session_id=<id> appended' }),
    reference: Type.Optional(Type.String({ maxLength: 200, description: "The integration's own reference, returned as given" })),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBodySchema>;

/** A checkout session as the API shows it. */
export const SessionViewSchema = Type.Object(
  {
    id: Type.String({ description: 'cs_… (unguessable; the hosted page URL contains it)' }),
    object: Type.Literal('checkout.session'),
    status: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('expired'), Type.Literal('cancelled')]),
    url: Type.String({ description: 'The hosted checkout page to send the customer to' }),
    expiresAt: Type.String({ format: 'date-time' }),
    createdAt: Type.String({ format: 'date-time' }),
    completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    membershipTypeId: Type.String(),
    siteId: Type.String(),
    reference: Type.Union([Type.String(), Type.Null()]),
    successUrl: Type.String(),
    cancelUrl: Type.String(),
    amountPence: Type.Integer({ description: 'Due at checkout: the price plus any joining fee' }),
    currency: Type.String(),
    memberId: Type.Union([Type.String(), Type.Null()], { description: 'Set once completed: the member created or linked' }),
    membershipId: Type.Union([Type.String(), Type.Null()], { description: 'Set once completed: the membership created (pending while a Direct Debit mandate is pending)' }),
    payment: Type.Union([
      Type.Object({
        id: Type.String(),
        provider: Type.String(),
        method: Type.Union([Type.Literal('card'), Type.Literal('direct_debit')]),
        status: Type.Union([Type.Literal('requires_action'), Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
        cardBrand: Type.Union([Type.String(), Type.Null()]),
        cardLast4: Type.Union([Type.String(), Type.Null()]),
        mandateId: Type.Union([Type.String(), Type.Null()], { description: 'Direct Debit: the provider mandate id' }),
      }),
      Type.Null(),
    ]),
  },
  { title: 'CheckoutSession' },
);
export type SessionView = Static<typeof SessionViewSchema>;

export const SessionParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
export const MandateParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** The test provider's mandate as the confirm/fail endpoints answer. */
export const TestMandateSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('failed')]),
  checkoutSessionId: Type.String(),
});
