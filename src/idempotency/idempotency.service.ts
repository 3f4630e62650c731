import { createHash } from 'node:crypto';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/time.js';
import type { IdempotencyRepository } from './idempotency.repository.js';

const TTL_MS = 24 * 3600 * 1000;

/** A JSON encoding with sorted keys, so the same body hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Who an idempotency key belongs to: keys never collide across API keys or environments. */
interface IdempotencyScope {
  environmentId: string;
  apiKeyId: string;
}

/** The answer of an operation, stored to be replayed. */
export interface StoredAnswer<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/**
 * Stripe-style idempotency: the same key and body within 24 h replays the first answer and runs nothing;
 * the same key with another body (or while the first is still running) is 409 conflict. Failures with a
 * user error release the key, so a corrected retry may reuse it.
 */
export function createIdempotencyService(deps: { repo: IdempotencyRepository; clock: Clock }) {
  const { repo, clock } = deps;
  /**
   * `run` for a request whose body is a stream: the caller hashes what it read (operation and parameters
   * included) and passes the digest. `fn` is called only when the key is new.
   */
  async function runHashed<T>(scope: IdempotencyScope, key: string, operation: string, hash: string, fn: () => Promise<{ status: number; body: T }>): Promise<StoredAnswer<T>> {
    const now = clock.now();
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await repo.find(scope.environmentId, scope.apiKeyId, key);
      if (existing && existing.expires_at < now.toISOString()) {
        await repo.release(scope.environmentId, scope.apiKeyId, key);
      } else if (existing) {
        if (existing.request_hash !== hash) {
          throw new AppError('conflict', 'This Idempotency-Key was already used with a different request.', [{ path: 'Idempotency-Key', message: 'was used with another body' }]);
        }
        if (existing.status_code === null || existing.response_body === null) {
          throw new AppError('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.', [{ path: 'Idempotency-Key', message: 'is in use' }]);
        }
        return { status: existing.status_code, body: JSON.parse(existing.response_body) as T, replayed: true };
      }
      const claimed = await repo.claim({
        environment_id: scope.environmentId,
        api_key_id: scope.apiKeyId,
        idem_key: key,
        operation,
        request_hash: hash,
        status_code: null,
        response_body: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + TTL_MS).toISOString(),
      });
      if (!claimed) continue; // another request claimed it between our read and insert: read again
      try {
        const answer = await fn();
        await repo.complete(scope.environmentId, scope.apiKeyId, key, answer.status, JSON.stringify(answer.body));
        return { ...answer, replayed: false };
      } catch (err) {
        await repo.release(scope.environmentId, scope.apiKeyId, key);
        throw err;
      }
    }
    throw new AppError('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.');
  }
  return {
    async run<T>(scope: IdempotencyScope, key: string | undefined, operation: string, body: unknown, fn: () => Promise<{ status: number; body: T }>): Promise<StoredAnswer<T>> {
      if (key === undefined) return { ...(await fn()), replayed: false };
      return runHashed(scope, key, operation, createHash('sha256').update(operation).update('\n').update(canonical(body)).digest('hex'), fn);
    },
    runHashed,
    /** Whether `key` has an unexpired record (a streamed body can then be hashed without being stored). */
    async recorded(scope: IdempotencyScope, key: string): Promise<boolean> {
      const existing = await repo.find(scope.environmentId, scope.apiKeyId, key);
      return existing !== undefined && existing.expires_at >= clock.now().toISOString();
    },
    /** Drops records older than 24 h. */
    purgeExpired: () => repo.deleteExpired(clock.now().toISOString()),
  };
}
export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
