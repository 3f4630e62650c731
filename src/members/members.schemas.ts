import { Type, type Static } from '@fastify/type-provider-typebox';
import { FeedPage, PageQuery } from '../kernel/common.schemas.js';
import { EMAIL_MAX_LENGTH } from '../kernel/rules/email.js';
import { PHONE_MAX_LENGTH, PHONE_PATTERN_SOURCE } from '../kernel/rules/phone.js';

const NullableString = (opts: Parameters<typeof Type.String>[0] = {}) => Type.Union([Type.String(opts), Type.Null()]);

/** A member as the API shows it (CONTRACT §6). */
export const MemberSchema = Type.Object(
  {
    id: Type.String({ examples: ['mem_3kTq9aP2xW7mZ1bC'] }),
    memberNumber: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    email: Type.String(),
    dateOfBirth: NullableString(),
    phone: NullableString(),
    address: Type.Object({ line1: NullableString(), line2: NullableString(), town: NullableString(), postcode: NullableString() }),
    homeSiteId: NullableString(),
    marketingOptIn: Type.Boolean(),
    externalRefs: Type.Array(Type.Object({ system: Type.String(), id: Type.String() })),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Member' },
);
export type MemberView = Static<typeof MemberSchema>;

const Name = Type.String({ minLength: 1, maxLength: 100 });
const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH });
const MemberNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_./-]*$' });
const DateOfBirth = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Phone = Type.String({ minLength: 1, maxLength: PHONE_MAX_LENGTH, pattern: PHONE_PATTERN_SOURCE });
const Line = Type.String({ maxLength: 200 });
const Address = Type.Object(
  {
    line1: Type.Optional(Type.Union([Line, Type.Null()])),
    line2: Type.Optional(Type.Union([Line, Type.Null()])),
    town: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    postcode: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const ExternalRefs = Type.Array(
  Type.Object({ system: Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_.-]+$' }), id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
  { maxItems: 10 },
);

/** POST /v1/members body: firstName, lastName and email are required. */
export const CreateMemberBody = Type.Object(
  {
    firstName: Name,
    lastName: Name,
    email: Email,
    memberNumber: Type.Optional(MemberNumber),
    dateOfBirth: Type.Optional(Type.Union([DateOfBirth, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(Address),
    homeSiteId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    marketingOptIn: Type.Optional(Type.Boolean()),
    externalRefs: Type.Optional(ExternalRefs),
  },
  { additionalProperties: false },
);
export type CreateMemberInput = Static<typeof CreateMemberBody>;

/** PATCH /v1/members/:id body: any subset; null clears an optional field. */
export const UpdateMemberBody = Type.Object(
  {
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    email: Type.Optional(Email),
    memberNumber: Type.Optional(MemberNumber),
    dateOfBirth: Type.Optional(Type.Union([DateOfBirth, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(Address),
    homeSiteId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    marketingOptIn: Type.Optional(Type.Boolean()),
    externalRefs: Type.Optional(ExternalRefs),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateMemberInput = Static<typeof UpdateMemberBody>;

export const MemberListQuery = Type.Object(
  {
    ...PageQuery,
    email: Type.Optional(Type.String({ maxLength: EMAIL_MAX_LENGTH, description: 'Exact email, case-insensitive.' })),
    memberNumber: Type.Optional(Type.String({ maxLength: 32 })),
    updatedSince: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only members changed at or after this instant, in the order they changed (a change feed without gaps: keep following `nextCursor`).' }),
    ),
  },
  { additionalProperties: false },
);
export const MemberPage = FeedPage(Type.Ref('Member'));

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Retry-safe creation: the same key and body within 24 h replays the first answer.' })),
});
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 200, description: 'The ETag of the member as last read; a stale one answers 412 precondition_failed.' })),
});
