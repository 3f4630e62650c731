import { Type, type Static } from '@fastify/type-provider-typebox';
import { Page } from '../http/schemas.js';
import { PageQuery } from '../kernel/common.schemas.js';

/** A site as the API shows it. */
export const SiteSchema = Type.Object(
  {
    id: Type.String({ examples: ['site_3kTq9aP2xW7mZ1bC'] }),
    code: Type.String(),
    name: Type.String(),
    address: Type.Object({ line1: Type.Union([Type.String(), Type.Null()]), town: Type.Union([Type.String(), Type.Null()]), postcode: Type.Union([Type.String(), Type.Null()]) }),
    phone: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Site' },
);
export type SiteView = Static<typeof SiteSchema>;

export const SiteListQuery = Type.Object(PageQuery, { additionalProperties: false });
export const SitePage = Page(Type.Ref('Site'));
