// From typebox itself (what the Fastify provider re-exports): the console derives its types from this file, and
// the provider's types would bring Fastify's and Node's into the console's typecheck.
import { Type, type Static } from 'typebox';
import { PERMISSIONS, PURPOSES, type Permission, type Purpose } from '../kernel/permissions.js';
import { CIDR_INPUT_MAX_LENGTH, MAX_ALLOWED_IPS } from '../kernel/rules/cidr.js';
import { COLOUR_INPUT_MAX_LENGTH } from '../kernel/rules/colour.js';
import { MAX_EXPIRY_YEARS } from '../kernel/rules/expiry.js';
import { MAX_REDIRECT_ORIGINS, ORIGIN_INPUT_MAX_LENGTH } from '../kernel/rules/redirect-origin.js';
import { REFERENCE_INPUT_MAX_LENGTH, REFERENCE_MAX_LENGTH } from '../kernel/rules/reference.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const PurposeSchema = Type.Unsafe<Purpose>({ type: 'string', enum: [...PURPOSES], description: 'The purpose of the key' });
const PermissionSchema = Type.Unsafe<Permission>({ type: 'string', enum: [...PERMISSIONS] });

const ThemeInputSchema = Type.Object(
  {
    logoId: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'An id from POST /admin/v1/logos; null removes the logo' }))),
    primaryColour: Type.Optional(Nullable(Type.String({ maxLength: COLOUR_INPUT_MAX_LENGTH, description: '#RGB or #RRGGBB; stored as upper-case #RRGGBB' }))),
    secondaryColour: Type.Optional(Nullable(Type.String({ maxLength: COLOUR_INPUT_MAX_LENGTH, description: '#RGB or #RRGGBB; stored as upper-case #RRGGBB' }))),
  },
  { additionalProperties: false },
);

export const CreateKeyBody = Type.Object(
  {
    reference: Type.String({ maxLength: REFERENCE_INPUT_MAX_LENGTH, description: `A name to identify the key later (1–${REFERENCE_MAX_LENGTH} characters after trimming)` }),
    purpose: Type.String({ maxLength: 100, description: 'import_members | innovatise_bridge | coursepro_integration | flow_api' }),
    expiresOn: Type.String({ maxLength: 20, description: `YYYY-MM-DD, today to ${MAX_EXPIRY_YEARS} years ahead; the key works until the end of that day in the environment time zone` }),
    theme: Type.Optional(ThemeInputSchema),
    allowedIps: Type.Optional(Type.Array(Type.String({ maxLength: CIDR_INPUT_MAX_LENGTH }), { maxItems: 1000, description: `IPv4/IPv6 addresses or CIDR blocks (at most ${MAX_ALLOWED_IPS}); empty = any` })),
    allowedRedirectOrigins: Type.Optional(
      Type.Array(Type.String({ maxLength: ORIGIN_INPUT_MAX_LENGTH }), { maxItems: 1000, description: `Origins allowed as checkout redirect targets (at most ${MAX_REDIRECT_ORIGINS}); empty = any https origin` }),
    ),
    rateLimitPerMinute: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const UpdateKeyBody = Type.Object(
  {
    reference: Type.Optional(Type.String({ maxLength: REFERENCE_INPUT_MAX_LENGTH })),
    theme: Type.Optional(ThemeInputSchema),
    allowedIps: Type.Optional(Type.Array(Type.String({ maxLength: CIDR_INPUT_MAX_LENGTH }), { maxItems: 1000 })),
    allowedRedirectOrigins: Type.Optional(Type.Array(Type.String({ maxLength: ORIGIN_INPUT_MAX_LENGTH }), { maxItems: 1000 })),
    rateLimitPerMinute: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const RollBody = Type.Object(
  { graceSeconds: Type.Optional(Type.Integer({ description: 'How long the old secret keeps working: 0 to 2592000 (30 days); default 0' })) },
  { additionalProperties: false },
);

export const KeyListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Search by reference' })),
    purpose: Type.Optional(PurposeSchema),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expiring_soon'), Type.Literal('expired'), Type.Literal('revoked')])),
    sort: Type.Optional(Type.Union([Type.Literal('createdAt'), Type.Literal('reference'), Type.Literal('expiresOn'), Type.Literal('lastUsedAt')])),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const KeyViewSchema = Type.Object(
  {
    id: Type.String(),
    reference: Type.String(),
    purpose: PurposeSchema,
    purposeLabel: Type.String(),
    permissions: Type.Array(PermissionSchema),
    preview: Type.String({ description: 'flow_<id>_…<last 4>' }),
    last4: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('expiring_soon'), Type.Literal('expired'), Type.Literal('revoked')]),
    expiresOn: Type.String(),
    expiresAt: Type.String({ description: 'The instant the key stops working' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    createdBy: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() }), Type.Null()]),
    lastUsedAt: NullableString,
    revokedAt: NullableString,
    previousSecretExpiresAt: Type.Union([Type.String(), Type.Null()], { description: 'Until when a secret replaced by a roll still works (the latest grace end; each replaced secret has its own)' }),
    theme: Type.Object({ logoId: NullableString, logoUrl: NullableString, primaryColour: NullableString, secondaryColour: NullableString }),
    allowedIps: Type.Array(Type.String()),
    allowedRedirectOrigins: Type.Array(Type.String()),
    rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'ApiKey' },
);
/** How a key is shown to staff and the CLI: never the secret or its hash. */
export type KeyView = Static<typeof KeyViewSchema>;

export const KeyWithSecretSchema = Type.Object({ ...KeyViewSchema.properties, key: Type.String({ description: 'The secret: shown this once' }) });

/** GET /admin/v1/purposes: the purposes and the permission matrix. */
export const PurposesSchema = Type.Object({
  purposes: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), description: Type.String(), permissions: Type.Array(Type.String()) })),
  permissions: Type.Array(Type.Object({ id: Type.String(), purposes: Type.Array(Type.String()) })),
});

/** One UTC day of a key's usage: requests that passed and failures by error code. */
export const UsageDaySchema = Type.Object({ date: Type.String(), ok: Type.Integer(), failed: Type.Integer(), byCode: Type.Record(Type.String(), Type.Integer()) });
export type UsageDay = Static<typeof UsageDaySchema>;

export const MeSchema = Type.Object({
  environment: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
  key: Type.Object({
    id: Type.String(),
    reference: Type.String(),
    purpose: PurposeSchema,
    expiresOn: Type.String(),
    expiresAt: Type.String(),
    permissions: Type.Array(PermissionSchema),
  }),
});
