import { Type, type TSchema } from '@fastify/type-provider-typebox';

/** `limit` and `cursor` of every list. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25, description: 'Items per page, 1–100 (default 25).' })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'The `nextCursor` of the previous page (opaque).' })),
};

/** `:id` path parameter with the resource's prefix. */
export function IdParams(prefix: string) {
  return Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: `The ${prefix}_… id.` }) });
}

/** A list page that may be a change feed: `resumeCursor` (feeds only) continues after the last change seen, even when `nextCursor` is null. */
export function FeedPage<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
    resumeCursor: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: 'Change feeds only: send as `cursor` (with the same filters) to get changes after the last one in this page.' }),
    ),
  });
}
