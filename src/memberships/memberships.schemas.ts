import { Type, type Static } from '@fastify/type-provider-typebox';
import { Page } from '../http/schemas.js';
import { FeedPage, PageQuery } from '../kernel/common.schemas.js';

const Status = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('future'),
    Type.Literal('active'),
    Type.Literal('frozen'),
    Type.Literal('suspended'),
    Type.Literal('cancelled'),
    Type.Literal('expired'),
    Type.Literal('lapsed'),
  ],
  { description: 'pending · future · active · frozen · suspended · cancelled · expired · lapsed' },
);
const NullableString = () => Type.Union([Type.String(), Type.Null()]);

/** A membership as the API shows it; price in pence as sold. */
export const MembershipSchema = Type.Object(
  {
    id: Type.String({ examples: ['ms_3kTq9aP2xW7mZ1bC'] }),
    memberId: Type.String(),
    membershipTypeId: Type.String(),
    siteId: NullableString(),
    status: Status,
    startDate: Type.String(),
    endDate: NullableString(),
    pricePence: Type.Integer(),
    cancelledAt: NullableString(),
    cancelReason: NullableString(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Membership' },
);
export type MembershipView = Static<typeof MembershipSchema>;
export const MembershipPage = Page(Type.Ref('Membership'));
export const MembershipFeedPage = FeedPage(Type.Ref('Membership'));

export const MemberMembershipsQuery = Type.Object(PageQuery, { additionalProperties: false });

export const MembershipFeedQuery = Type.Object(
  {
    ...PageQuery,
    updatedSince: Type.Optional(Type.String({ format: 'date-time', description: 'Only memberships changed at or after this instant.' })),
    integration: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('coursepro')], { description: '`coursepro`: only memberships of types CoursePro maps.' })),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

export const CancelMembershipBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
