import type { FastifyReply, FastifyRequest, RouteOptions, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { UsageRecorder } from '../keys/usage-recorder.js';
import type { VerifiedKey, Verifier, VerifyResult } from '../keys/verifier.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SharedState } from '../shared/shared-state.js';
import { permissionDeniedDetail, type Permission } from './permissions.js';

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
export const AUTH_FAILURES_PER_MINUTE = 120;

const DETAIL: Partial<Record<ErrorCode, string>> = {
  key_missing: 'Send the API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  key_malformed: 'The API key is not a well-formed FLOW key (wrong shape or checksum).',
  key_invalid: 'The API key is not valid.',
  key_expired: 'The API key has expired.',
  key_revoked: 'The API key has been revoked.',
  ip_not_allowed: 'Calls with this API key are not allowed from this address.',
};

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    // The scheme is case-insensitive (RFC 9110 §11.1).
    if (auth.length > 7 && auth.charCodeAt(6) === 32 && auth.slice(0, 6).toLowerCase() === 'bearer') return auth.slice(7).trim();
    return auth.trim() === '' ? undefined : auth;
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

function rateHeaders(reply: FastifyReply, r: { limit: number; remaining: number; resetSeconds: number }): void {
  reply.header('RateLimit-Limit', r.limit);
  reply.header('RateLimit-Remaining', r.remaining);
  reply.header('RateLimit-Reset', r.resetSeconds);
}

/**
 * The /v1 gate, run on request before the body is read: verify the key, check the route's permission,
 * count the call against the key's rate limit. Failures before a key is identified count against the
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
    settle(
      shared.hit(key.rateBucket, limit, WINDOW_MS),
      (r) => {
        rateHeaders(reply, r);
        if (permission && !key.permissions.has(permission)) {
          usage.record(key.id, 'permission_denied');
          return done(new AppError('permission_denied', permissionDeniedDetail(key.purpose, permission)));
        }
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
      settle(verifier.verify(presentedKey(request), request.ip), (result) => afterVerify(request, reply, permission, result, done), done);
    };
  };
}

/** Binds the API-key gate to every /v1 route as it is registered (except routes marked `noApiKey`). */
export function apiKeyGateOnRoute(gateFor: ReturnType<typeof createApiKeyAuth>) {
  return (route: RouteOptions): void => {
    if (!route.url.startsWith('/v1/') || route.config?.noApiKey) return;
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
