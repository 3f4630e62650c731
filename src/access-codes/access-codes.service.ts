import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/time.js';
import type { AccessCodesRepository } from './access-codes.repository.js';

/** How long an entry code stays valid: long enough to walk to the barrier, short enough that a screenshot is useless. */
const ACCESS_CODE_TTL_SECONDS = 120;

/** An issued entry code. */
interface AccessCode {
  memberId: string;
  code: string;
  expiresAt: string;
  ttlSeconds: number;
}

/**
 * Short-lived signed entry codes for the member app's barcode: `fa1.<memberId>.<expiry unix s>.<HMAC-SHA256, 128 bits>`,
 * keyed by a random per-environment secret, so a barrier can verify a code offline with that secret and the
 * code of one environment never opens another's doors.
 */
export function createAccessCodesService(deps: {
  repo: AccessCodesRepository;
  clock: Clock;
  /** True when the member exists in the environment. */
  memberExists: (environmentId: string, memberId: string) => Promise<boolean>;
  /** True when the member holds an active membership. */
  hasActiveMembership: (environmentId: string, memberId: string) => Promise<boolean>;
}) {
  const { repo, clock } = deps;
  const secrets = new Map<string, Buffer>();

  async function secret(environmentId: string): Promise<Buffer> {
    let s = secrets.get(environmentId);
    if (!s) {
      const stored = await repo.secretFor(environmentId, randomBytes(32).toString('base64url'), clock.now().toISOString());
      s = Buffer.from(stored, 'base64url');
      secrets.set(environmentId, s);
    }
    return s;
  }

  function sign(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest().subarray(0, 16).toString('base64url');
  }

  return {
    /** Issues a code; 404 for an unknown member, 409 conflict when the member has no active membership. */
    async issue(environmentId: string, memberId: string): Promise<AccessCode> {
      if (!(await deps.memberExists(environmentId, memberId))) throw new AppError('not_found', `No member ${memberId}.`);
      if (!(await deps.hasActiveMembership(environmentId, memberId))) {
        throw new AppError('conflict', 'The member has no active membership, so no access code can be issued.', [{ path: 'memberships', message: 'none active' }]);
      }
      const exp = Math.floor(clock.now().getTime() / 1000) + ACCESS_CODE_TTL_SECONDS;
      const body = `fa1.${memberId}.${exp}`;
      return { memberId, code: `${body}.${sign(await secret(environmentId), body)}`, expiresAt: new Date(exp * 1000).toISOString(), ttlSeconds: ACCESS_CODE_TTL_SECONDS };
    },
    /** Checks a code for the environment: the member id when valid and unexpired, else undefined. */
    async verify(environmentId: string, code: string): Promise<string | undefined> {
      const m = /^fa1\.(mem_[0-9A-Za-z]+)\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(code);
      if (!m) return undefined;
      const expected = Buffer.from(sign(await secret(environmentId), `fa1.${m[1]}.${m[2]}`));
      const given = Buffer.from(m[3]);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      if (Number(m[2]) * 1000 <= clock.now().getTime()) return undefined;
      return m[1];
    },
  };
}
export type AccessCodesService = ReturnType<typeof createAccessCodesService>;
