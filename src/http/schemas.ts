import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { ERROR_CODES, type ErrorCode } from '../kernel/errors.js';

/** The problem+json body of every error (RFC 9457). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri-reference', description: 'Where the code and its fix are explained: `/docs/errors#<code>` on this server.', examples: ['/docs/errors#validation_failed'] }),
    title: Type.String({ examples: ['Validation failed'] }),
    status: Type.Integer({ examples: [400] }),
    detail: Type.String({ examples: ['email: must be an email address'] }),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODES, description: 'Stable; branch on this, not on the text.' }),
    requestId: Type.String({ description: 'Also in the X-Request-Id header; quote it when asking for help.', examples: ['req_Xk2p9QaB1c'] }),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String({ examples: ['email'] }), message: Type.String({ examples: ['must be an email address'] }) }), {
        description: 'validation_failed only: one entry per problem field.',
      }),
    ),
  },
  { $id: 'Problem', description: 'An error, as application/problem+json' },
);

/** Error responses shared by routes, referenced by status. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]));
}

/** A `{ data, nextCursor }` page of items. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}
