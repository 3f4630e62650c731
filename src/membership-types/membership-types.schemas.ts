import { Type, type Static } from '@fastify/type-provider-typebox';
import { Page } from '../http/schemas.js';
import { PageQuery } from '../kernel/common.schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A membership type as the API shows it; money in pence. */
export const MembershipTypeSchema = Type.Object(
  {
    id: Type.String({ examples: ['mt_3kTq9aP2xW7mZ1bC'] }),
    name: Type.String(),
    friendlyName: Type.String(),
    group: Type.String(),
    category: Type.String(),
    price: Type.Object({ amountPence: Type.Integer(), currency: Type.String() }),
    joiningFeePence: Type.Integer(),
    paymentType: Type.Union([Type.Literal('recurring'), Type.Literal('fixed'), Type.Literal('session')]),
    billingPeriod: Type.Union([Type.Literal('month'), Type.Literal('year'), Type.Null()]),
    durationMonths: Type.Union([Type.Integer(), Type.Null()]),
    integration: Type.Union([Type.Literal('none'), Type.Literal('coursepro')]),
    siteId: Nullable(Type.String()),
    active: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'MembershipType' },
);
export type MembershipTypeView = Static<typeof MembershipTypeSchema>;

export const MembershipTypeListQuery = Type.Object(
  {
    ...PageQuery,
    integration: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('coursepro')], { description: '`coursepro`: the types CoursePro maps to its courses.' })),
  },
  { additionalProperties: false },
);
export const MembershipTypePage = Page(Type.Ref('MembershipType'));
