import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { UsageRecorder } from '../keys/usage-recorder.js';
import type { VerifiedKey, Verifier } from '../keys/verifier.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SharedState } from '../shared/shared-state.js';
import type { Permission } from './permissions.js';

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
  if (auth !== undefined) return auth.startsWith('Bearer ') ? auth.slice(7).trim() : auth.trim() === '' ? undefined : auth;
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

  async function failAuth(request: FastifyRequest, reply: FastifyReply, code: ErrorCode): Promise<never> {
    const r = await shared.hit(`authfail:${request.ip}`, AUTH_FAILURES_PER_MINUTE, WINDOW_MS);
    rateHeaders(reply, r);
    if (!r.allowed) {
      metrics?.rateLimited('address');
      throw new AppError('rate_limited', 'Too many failed authentications from this address.', undefined, { 'Retry-After': String(r.resetSeconds) });
    }
    throw new AppError(code, DETAIL[code]);
  }

  return async function apiKeyAuth(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!request.url.startsWith('/v1/')) return;
    // routeOptions is rebuilt on every access: read it once.
    const config = request.routeOptions.config;
    if (config?.noApiKey) return;
    const result = await verifier.verify(presentedKey(request), request.ip);
    metrics?.verification(result.ok ? 'ok' : result.code);
    if (!result.ok) {
      if (result.keyId) usage.record(result.keyId, result.code);
      return failAuth(request, reply, result.code);
    }
    const key = result.key;
    request.apiKey = key;
    const limit = key.rateLimitPerMinute ?? limits[key.purpose] ?? 600;
    const r = await shared.hit(`key:${key.id}`, limit, WINDOW_MS);
    rateHeaders(reply, r);
    const permission = config?.permission;
    if (permission && !key.permissions.has(permission)) {
      usage.record(key.id, 'permission_denied');
      throw new AppError('permission_denied', `This key's purpose (${key.purpose}) does not grant ${permission}.`);
    }
    if (!r.allowed) {
      metrics?.rateLimited('key');
      usage.record(key.id, 'rate_limited');
      throw new AppError('rate_limited', `Rate limit of ${limit} requests per minute reached.`, undefined, { 'Retry-After': String(r.resetSeconds) });
    }
    usage.record(key.id, 'ok');
  };
}
