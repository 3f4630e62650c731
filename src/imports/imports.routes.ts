import { Readable } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../kernel/errors.js';
import { problems } from '../http/schemas.js';
import { IdempotencyHeaders } from '../members/members.schemas.js';
import { IdParams } from '../kernel/common.schemas.js';
import { v1Route } from '../http/docs.js';
import type { ImportFormat } from './import-parsers.js';
import { ImportJobSchema } from './imports.schemas.js';
import { MAX_IMPORT_BYTES, type ImportsService } from './imports.service.js';

const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/json': 'json', 'application/x-ndjson': 'ndjson' };

const IMPORT_DOC = `Body: \`text/csv\` (headers first_name, last_name, email, member_number, date_of_birth (YYYY-MM-DD), phone,
address_line1, address_line2, town, postcode, home_site_id, marketing_opt_in, external_system, external_id — matched ignoring
case, spaces, \`_\` and \`-\`; first_name, last_name and email are required, a missing one is 400), \`application/json\` (an
array of members, flat keys as above or the Member shape) or \`application/x-ndjson\`; at most 100 MiB, streamed.
Answers 202 with the job; poll \`GET /v1/member-imports/{id}\`. A row matches an existing member by external reference,
else member number, else email (case-insensitive); empty cells leave the member's value unchanged. Rows commit in batches of
1,000, each whole or not at all; importing the same file again reports every row \`unchanged\`. Bad rows (encoding, line
breaks in cells, duplicates inside the file, over-long fields, bad dates or emails) are rejected one by one and listed in
the error report; they never fail the request. \`?dryRun=true\` checks everything and writes nothing.
CSV is read as RFC 4180 (quoted fields may span lines; a quote inside an unquoted field is data); each record is one row,
numbered by the line it starts on. A field over 10,000 characters, a record over 64 KiB or a quote never closed rejects
that record alone. Per environment at most 3 imports may be queued or running and hold 200 MiB of spooled bodies; beyond,
429 \`rate_limited\` with \`Retry-After\` and nothing is stored. Jobs of different environments take turns.
Send \`Idempotency-Key\` to retry safely: the same key and body (and \`dryRun\`, media type) within 24 h answers the first
job (with \`Idempotent-Replayed: true\`) and queues nothing; the same key with another body is 409 \`conflict\`.`;

/** /v1/member-imports: start (streamed body), poll, error report. */
export function importsRoutes(deps: { imports: ImportsService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    // This plugin's routes take the raw body stream: the import service spools it to disk, never to memory.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

    const start = v1Route('members:import', ['Member imports'], 'Import members from CSV, JSON or NDJSON (a job)', IMPORT_DOC);
    app.post(
      '/member-imports',
      {
        ...start,
        schema: {
          ...start.schema,
          headers: IdempotencyHeaders,
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Validate and count without writing.' })) }, { additionalProperties: false }),
          response: { 202: ImportJobSchema, ...problems(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const format = FORMATS[type];
        if (!format) throw new AppError('unsupported_media_type', 'Send text/csv, application/json or application/x-ndjson.');
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > MAX_IMPORT_BYTES) throw new AppError('payload_too_large', 'An import may be at most 100 MiB.', [{ path: 'body', message: 'is too large' }]);
        const body = request.body instanceof Readable ? request.body : Readable.from([]);
        const answer = await deps.imports.start({ environmentId: request.apiKey.environment.id, apiKeyId: request.apiKey.id }, request.headers['idempotency-key'], {
          format,
          body,
          dryRun: request.query.dryRun ?? false,
          declaredBytes: Number.isFinite(declared) && declared > 0 ? declared : 0,
        });
        if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
        reply.header('Location', `/v1/member-imports/${answer.body.id}`);
        return reply.code(202).send(answer.body);
      },
    );

    const poll = v1Route('members:import', ['Member imports'], 'Get an import job (poll until succeeded or failed)');
    app.get(
      '/member-imports/:id',
      { ...poll, schema: { ...poll.schema, params: IdParams('imp'), response: { 200: ImportJobSchema, ...problems(401, 403, 404, 429) } } },
      async (request) => deps.imports.get(request.apiKey.environment.id, request.params.id),
    );

    const errors = v1Route(
      'members:import',
      ['Member imports'],
      'Download the error report (CSV)',
      'One line per rejected row: `row,field,reason,value` (CSV: the line each record starts on, the header being line 1; value is the rejected cell, cut to 200 characters). Cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with an apostrophe.',
    );
    app.get(
      '/member-imports/:id/errors',
      { ...errors, schema: { ...errors.schema, params: IdParams('imp'), response: { 200: Type.String({ description: 'text/csv' }), ...problems(401, 403, 404, 429) } } },
      async (request, reply) => {
        const lines = await deps.imports.errorReport(request.apiKey.environment.id, request.params.id);
        reply.type('text/csv; charset=utf-8');
        reply.header('Content-Disposition', `attachment; filename="${request.params.id}-errors.csv"`);
        reply.header('X-Content-Type-Options', 'nosniff');
        return reply.send(Readable.from(lines) as unknown as string);
      },
    );
  };
}
