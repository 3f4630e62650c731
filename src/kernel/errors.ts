/** The closed list of error codes (CONTRACT §4) and the HTTP status each answers with. */
export const ERROR_STATUS = {
  key_missing: 401,
  key_malformed: 401,
  key_invalid: 401,
  key_expired: 401,
  key_revoked: 401,
  permission_denied: 403,
  not_found: 404,
  validation_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  rate_limited: 429,
  ip_not_allowed: 403,
  csrf_failed: 403,
  unauthenticated: 401,
  precondition_failed: 412,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every code, in contract order. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const TITLES: Record<ErrorCode, string> = {
  key_missing: 'API key missing',
  key_malformed: 'API key malformed',
  key_invalid: 'API key invalid',
  key_expired: 'API key expired',
  key_revoked: 'API key revoked',
  permission_denied: 'Permission denied',
  not_found: 'Not found',
  validation_failed: 'Validation failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  ip_not_allowed: 'IP address not allowed',
  csrf_failed: 'CSRF check failed',
  unauthenticated: 'Not signed in',
  precondition_failed: 'Precondition failed',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

/** One field-level problem: `path` is the field (dot-separated), `message` says what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

/** The single error type of the application: a code from the closed list plus a human detail. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string = TITLES[code],
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.status = ERROR_STATUS[code];
  }
}

/** A validation failure naming one or more fields. */
export function invalid(errors: FieldError[], detail?: string): AppError {
  return new AppError('validation_failed', detail ?? errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

/** The RFC 9457 problem document for an error code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

/** Builds the problem+json body; 5xx never carry internal detail. */
export function problem(err: AppError, requestId: string): Problem {
  const body: Problem = {
    // A relative reference (RFC 9457 §3.1.1): it resolves against this server, whose /docs/errors explains the code and its fix.
    type: `/docs/errors#${err.code}`,
    title: TITLES[err.code],
    status: err.status,
    detail: err.status >= 500 && err.code === 'internal' ? 'An unexpected error occurred.' : err.detail,
    code: err.code,
    requestId,
  };
  if (err.errors) body.errors = err.errors;
  return body;
}
