import type { FastifyReply, FastifyRequest, RouteOptions, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { AppError, type ErrorCode } from '../kernel/errors.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { VerifiedKey, Verifier, VerifyResult } from './verifier.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SharedState } from '../shared/shared-state.js';
import { permissionDeniedDetail, type Permission } from '../kernel/permissions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key of a /v1 call. */
    apiKey: VerifiedKey;
  }
  interface FastifyContextConfig {
    /** The permission a /v1 route needs; the key's purpose must grant it. */
    permission?: Permission;
    /** A /v1 route that takes no key (e.g. leaked-key revocation). */
    noApiKey?: boolean;
  }
}

const WINDOW_MS = 60_000;
/** Failed authentications allowed per client address per minute before 429. */
const AUTH_FAILURES_PER_MINUTE = 120;

const DETAIL: Partial<Record<ErrorCode, string>> = {
  key_missing: 'Send the API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  key_malformed: 'The API key is not a well-formed FLOW key (wrong shape or checksum).',
  key_invalid: 'The API key is not valid.',
  key_expired: 'The API key has expired.',
  key_revoked: 'The API key has been revoked.',
  ip_not_allowed: 'Calls with this API key are not allowed from this address.',
};

const TWO_KEYS = new AppError('validation_failed', 'Send the API key in one header: Authorization and X-API-Key carry different keys.', [
  { path: 'headers.authorization', message: 'carries a different key than X-API-Key' },
  { path: 'headers.x-api-key', message: 'carries a different key than Authorization' },
]);
const repeated = (name: string) => new AppError('validation_failed', `Send the ${name} header once.`, [{ path: `headers.${name.toLowerCase()}`, message: 'was sent more than once' }]);

/**
 * The key a /v1 call presents, or why the headers are ambiguous. Accepted: `Authorization: Bearer <key>`
 * (scheme in any case, any spaces around), `X-API-Key: <key>`, both with the same key, and a bare FLOW key
 * as the Authorization value (clients configured that way before the scheme was required keep working).
 * Refused, never resolved by picking one: two different keys, either header sent twice (Node keeps only
 * the first Authorization and joins X-API-Key values with ", ", so both are checked on the raw headers).
 */
function presentedKey(request: FastifyRequest): string | undefined | AppError {
  let auth = request.headers.authorization;
  const header = request.headers['x-api-key'];
  if (auth !== undefined && authorizationRepeated(request.raw.rawHeaders)) return repeated('Authorization');
  if (typeof header === 'string' && header.includes(',')) return repeated('X-API-Key');
  if (auth !== undefined) {
    auth = auth.trim();
    // The scheme is case-insensitive (RFC 9110 §11.1); a bare key has no space in it.
    const space = auth.indexOf(' ');
    if (space === 6 && auth.slice(0, 6).toLowerCase() === 'bearer') auth = auth.slice(7).trim();
    if (auth === '') auth = undefined;
  }
  const apiKey = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
  if (auth !== undefined && apiKey !== undefined && auth !== apiKey) return TWO_KEYS;
  return auth ?? apiKey;
}

/** Whether Authorization appears more than once (cheap: a length test before any string compare). */
function authorizationRepeated(raw: string[]): boolean {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization' && ++seen > 1) return true;
  return false;
}

function rateHeaders(reply: FastifyReply, r: { limit: number; remaining: number; resetSeconds: number }): void {
  // Lower-case names: see http/security-headers.ts.
  reply.header('ratelimit-limit', r.limit);
  reply.header('ratelimit-remaining', r.remaining);
  reply.header('ratelimit-reset', r.resetSeconds);
}

/**
 * The /v1 gate, run on request before the body is read: verify the key, check the route's permission,
 * then count the call against the key's rate limit (a call the key may not make spends no quota). Failures before a key is identified count against the
 * caller's address instead, so guessing is throttled too.
 */
export function createApiKeyAuth(deps: {
  verifier: Verifier;
  shared: SharedState;
  usage: UsageRecorder;
  config: Pick<Config, 'rateLimitPerMinute'>;
  metrics?: Pick<Metrics, 'verification' | 'rateLimited'>;
}) {
  const { verifier, shared, usage, metrics } = deps;
  const limits = deps.config.rateLimitPerMinute;

  /** A failure before a key was identified: counted against the caller's address, then answered. */
  function failAuth(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, done: HookDone): void {
    settle(
      shared.hit(`authfail:${request.ip}`, AUTH_FAILURES_PER_MINUTE, WINDOW_MS),
      (r) => {
        rateHeaders(reply, r);
        if (!r.allowed) {
          metrics?.rateLimited('address');
          return done(new AppError('rate_limited', 'Too many failed authentications from this address.', undefined, { 'Retry-After': String(r.resetSeconds) }));
        }
        done(new AppError(code, DETAIL[code]));
      },
      done,
    );
  }

  function afterVerify(request: FastifyRequest, reply: FastifyReply, permission: Permission | undefined, result: VerifyResult, done: HookDone): void {
    metrics?.verification(result.ok ? 'ok' : result.code);
    if (!result.ok) {
      if (result.keyId) usage.record(result.keyId, result.code);
      return failAuth(request, reply, result.code, done);
    }
    const key = result.key;
    request.apiKey = key;
    const limit = key.rateLimitPerMinute ?? limits[key.purpose] ?? 600;
    if (permission && !key.permissions.has(permission)) {
      // Refused before the limit: the call spends none of the key's quota, and reports the bucket as it is.
      usage.record(key.id, 'permission_denied');
      return settle(
        shared.peek(key.rateBucket, limit, WINDOW_MS),
        (r) => {
          rateHeaders(reply, r);
          done(new AppError('permission_denied', permissionDeniedDetail(key.purpose, permission)));
        },
        done,
      );
    }
    settle(
      shared.hit(key.rateBucket, limit, WINDOW_MS),
      (r) => {
        rateHeaders(reply, r);
        if (!r.allowed) {
          metrics?.rateLimited('key');
          usage.record(key.id, 'rate_limited');
          return done(new AppError('rate_limited', `Rate limit of ${limit} requests per minute reached.`, undefined, { 'Retry-After': String(r.resetSeconds) }));
        }
        usage.record(key.id, 'ok');
        done();
      },
      done,
    );
  }

  /**
   * The gate for one /v1 route, bound when the route is registered (so the request path does not look up
   * the route's options). A callback hook, not an async one: with a cached key and in-process limits the
   * whole check completes synchronously, without a promise or a microtask per step.
   */
  return function gateFor(permission: Permission | undefined) {
    return function apiKeyAuth(request: FastifyRequest, reply: FastifyReply, done: HookDone): void {
      const presented = presentedKey(request);
      if (presented instanceof AppError) return done(presented);
      settle(verifier.verify(presented, request.ip), (result) => afterVerify(request, reply, permission, result, done), done);
    };
  };
}

/**
 * Binds the API-key gate to each route of the surface it is added to (the /v1 plugin's onRoute hook), with
 * the route's `config.permission`; routes marked `noApiKey` take no key.
 */
export function apiKeyGateOnRoute(gateFor: ReturnType<typeof createApiKeyAuth>) {
  return (route: RouteOptions): void => {
    if (route.config?.noApiKey) return;
    const gate = gateFor(route.config?.permission) as onRequestHookHandler;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [gate, ...own];
  };
}

type HookDone = (err?: Error) => void;

/** Continues with a value that may or may not be a promise (sync when it is not); failures go to `fail`. */
function settle<T>(value: T | Promise<T>, next: (v: T) => void, fail: (err: Error) => void): void {
  if (value instanceof Promise) value.then(next, fail);
  else {
    try {
      next(value);
    } catch (err) {
      fail(err as Error);
    }
  }
}
