import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalid, problem, type ErrorCode } from '../errors.js';
import { isOutage } from '../shared/outage.js';
import { fieldErrors } from './validation.js';

export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** Sends an AppError as problem+json. */
export function sendProblem(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).type(PROBLEM_TYPE).send(problem(err, reply.request.id));
}

const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
};

/**
 * PostgreSQL SQLSTATE class 22 (data exception: NUL bytes, bad encodings, numbers out of range) means the
 * client sent a value the store cannot hold — their mistake, not ours.
 */
function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** Maps any error to one problem+json answer; unknown errors become a bare 500 and are logged. */
export function toAppError(err: FastifyError | AppError | Error, request: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validation?: Parameters<typeof fieldErrors>[0] };
  if (fe.validation) return invalid(fieldErrors(fe.validation));
  const mapped = fe.code ? BY_FASTIFY_CODE[fe.code] : undefined;
  if (mapped === 'payload_too_large') return new AppError(mapped, 'The request body is too large.', [{ path: request.isMultipart() ? 'file' : 'body', message: 'is too large' }]);
  if (mapped === 'unsupported_media_type') return new AppError(mapped, `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here.`);
  if (mapped) return new AppError(mapped, 'The request body is not valid JSON.', [{ path: 'body', message: 'must be valid JSON' }]);
  // busboy (multipart) reports a truncated or malformed body as a plain Error without a code.
  if (/^(Unexpected end of (multipart data|form)|Malformed part header|Multipart: Boundary not found)/.test(fe.message ?? '')) {
    return new AppError('validation_failed', 'The multipart body could not be read.', [{ path: 'body', message: 'is not valid multipart/form-data' }]);
  }
  if (err instanceof SyntaxError || fe.statusCode === 400) return new AppError('validation_failed', 'The request could not be read.', [{ path: 'body', message: 'could not be read' }]);
  if (fe.statusCode === 413) return new AppError('payload_too_large');
  if (fe.statusCode === 415) return new AppError('unsupported_media_type');
  if (fe.statusCode === 404) return new AppError('not_found');
  if (isDataException(err)) return new AppError('validation_failed', 'A value in the request cannot be stored (e.g. a NUL character or a number out of range).', [{ path: 'body', message: 'contains a value the store cannot hold' }]);
  if (isOutage(err)) return new AppError('unavailable', 'A backing service is unavailable. Try again shortly.', undefined, { 'Retry-After': '2' });
  return new AppError('internal');
}

/** Installs the error handler: every failure leaves as problem+json, internals only in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err as FastifyError, request);
    if (appErr.code === 'internal') request.log.error({ err }, 'unhandled error');
    else if (appErr.code === 'unavailable') request.log.warn({ err: (err as Error).message }, 'dependency unavailable');
    return sendProblem(reply, appErr);
  });
}
