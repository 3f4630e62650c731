import { Type, type Static } from '@fastify/type-provider-typebox';

const Counts = Type.Object({ read: Type.Integer(), created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), rejected: Type.Integer() });
/** A member import job as the API shows it. */
export const ImportJobSchema = Type.Object({
  id: Type.String({ examples: ['imp_3kTq9aP2xW7mZ1bC'] }),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  dryRun: Type.Boolean(),
  format: Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('ndjson')]),
  counts: Counts,
  committedThroughRow: Type.Integer({ description: 'Every row up to this one is committed (batches commit whole).' }),
  failure: Type.Union([Type.String(), Type.Null()]),
  errorsUrl: Type.String({ description: 'CSV report of rejected rows: row, field, reason, value.' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type ImportJobView = Static<typeof ImportJobSchema>;
