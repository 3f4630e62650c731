import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalid, problem, type ErrorCode } from '../kernel/errors.js';
import { isOutage } from '../shared/outage.js';
import { fieldErrors } from './validation.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

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
  if (mapped === 'payload_too_large') return new AppError(mapped, 'The request body is too large.', [{ path: request.headers['content-type']?.startsWith('multipart/') ? 'file' : 'body', message: 'is too large' }]);
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

/**
 * What Node's HTTP parser refuses before Fastify sees a request (header too large, a NUL in a header, a bad
 * Content-Length, Content-Length with Transfer-Encoding, a request that did not arrive in time): the HTTP
 * status the case calls for, and the contract code and field that say what was wrong. 408 and 431 keep
 * existing codes: the code says what to fix, the status is what HTTP prescribes.
 */
function clientProblem(err: { code?: string }, timeouts: { requestTimeoutMs: number; headersTimeoutMs: number }): { status: number; err: AppError } {
  const fix = (code: ErrorCode, detail: string, path: string, message: string) => new AppError(code, detail, [{ path, message }]);
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, err: fix('payload_too_large', 'The request headers are too large (at most 16 KiB in all).', 'headers', 'are larger than 16 KiB') };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, err: fix('validation_failed', `The request did not arrive in time (headers within ${timeouts.headersTimeoutMs / 1000} s, all of it within ${timeouts.requestTimeoutMs / 1000} s).`, 'body', 'did not arrive in time') };
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, err: fix('validation_failed', 'The Content-Length header is not valid.', 'headers.content-length', 'must be one whole number') };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, err: fix('validation_failed', 'Send either Content-Length or Transfer-Encoding, not both.', 'headers.content-length', 'must not be sent with Transfer-Encoding') };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // Also what llhttp reports for Content-Length sent together with Transfer-Encoding (request smuggling).
      return { status: 400, err: fix('validation_failed', 'The Transfer-Encoding header is not valid, or was sent with Content-Length.', 'headers.transfer-encoding', 'must be chunked and not sent with Content-Length') };
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return { status: 400, err: fix('validation_failed', 'A request header is malformed (e.g. a NUL or control character in a name or value).', 'headers', 'contain a malformed header') };
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, err: fix('validation_failed', 'The chunked request body is malformed.', 'body', 'is not valid chunked encoding') };
    case 'HPE_INVALID_METHOD':
      return { status: 400, err: fix('validation_failed', 'The request method is not valid.', 'method', 'is not a valid HTTP method') };
    case 'HPE_INVALID_URL':
      return { status: 400, err: fix('validation_failed', 'The request target is not valid.', 'url', 'is not a valid URL') };
    default:
      return { status: 400, err: fix('validation_failed', 'The request is not valid HTTP/1.1.', 'request', 'is not valid HTTP/1.1') };
  }
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node could not parse with problem+json (Fastify's default
 * writes `{"error":…}` as application/json), written on the raw socket since no Fastify request exists.
 */
export function clientErrorHandler(deps: { newRequestId: () => string; timeouts: { requestTimeoutMs: number; headersTimeoutMs: number }; log: { debug(o: object, msg: string): void } }) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way (e.g. the app answered before the body finished) cannot get a second one.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const requestId = deps.newRequestId();
      const { status, err } = clientProblem(error, deps.timeouts);
      deps.log.debug({ reqId: requestId, status, parserCode: error.code }, 'malformed or incomplete request');
      const body = JSON.stringify({ ...problem(err, requestId), status });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
