import { randomBytes } from 'node:crypto';
import { sameSecret, sha256Hex } from '../kernel/crypto.js';
import { AppError, invalid, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { EMAIL_MESSAGE, isEmail } from '../kernel/rules/email.js';
import type { SharedState } from '../shared/shared-state.js';
import { nowMs, type Clock } from '../kernel/time.js';
import { passwordProblem } from './password-policy.js';
import type { StaffRepository, StaffUser } from './staff.repository.js';

export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
// Password checks per sliding 15 minutes: per email (guessing one account) and per address (spraying many).
const CHECK_WINDOW_MS = 15 * 60 * 1000;
const MAX_CHECKS_PER_EMAIL = 5;
const MAX_CHECKS_PER_IP = 50;
// algorithm 2 = Argon2id (a const enum, which isolatedModules cannot import).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** A signed-in staff member with the tokens the browser needs. */
export interface Session {
  token: string;
  csrfToken: string;
  expiresAt: string;
  staff: StaffUser;
}

/** Staff users, argon2id passwords, console sessions and login throttling. */
export function createStaffService(deps: { repo: StaffRepository; clock: Clock; shared: SharedState }) {
  const { repo, clock, shared } = deps;
  // argon2 is loaded on first use (a sign-in or a new user), not by every process that starts (~11 MB RSS).
  let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
  const lib = () => (argon2 ??= import('@node-rs/argon2'));
  // Verified against when the email is unknown, so timing does not reveal which emails exist.
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= lib().then((a) => a.hash('not-a-real-password-' + randomBytes(8).toString('hex'), ARGON2)));

  async function openSession(user: StaffUser, ip: string): Promise<Session> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    // Sessions that ended without a sign-out are pruned here, so the table does not grow without bound.
    await repo.deleteExpiredSessions(now.toISOString());
    await repo.insertSession({ id: sha256Hex(token), staffId: user.id, csrfToken, ip, createdAt: now.toISOString(), expiresAt });
    return { token, csrfToken, expiresAt, staff: user };
  }

  return {
    /** Creates a staff user; 409 when the email is taken. */
    async create(input: { environmentId: string; email: string; name?: string; role: string; password: string }): Promise<StaffUser> {
      const email = input.email.trim().toLowerCase();
      const errors: FieldError[] = [];
      if (!isEmail(email)) errors.push({ path: 'email', message: EMAIL_MESSAGE });
      if (input.role !== 'admin' && input.role !== 'staff') errors.push({ path: 'role', message: 'must be admin or staff' });
      const weak = await passwordProblem(input.password);
      if (weak) errors.push({ path: 'password', message: weak });
      if (errors.length) throw invalid(errors);
      if (await repo.findByEmail(email)) throw new AppError('conflict', `A staff user with email ${email} already exists.`);
      const user: StaffUser = {
        id: newId('stf'),
        environmentId: input.environmentId,
        email,
        name: input.name?.trim() || email.split('@')[0],
        role: input.role as StaffUser['role'],
        active: true,
        createdAt: clock.now().toISOString(),
      };
      await repo.insert(user, await (await lib()).hash(input.password, ARGON2));
      return user;
    },

    /**
     * Checks a password and opens a session. Each check is counted BEFORE argon2 runs: a slot is reserved
     * atomically per email and per address (a concurrent burst cannot pass a count read before any of it
     * was recorded), and a full budget answers 429 without checking. A wrong password keeps its slot for
     * 15 minutes; a right one gives it back, so signing in costs nothing and does not wipe the failures
     * (wiping them would hand a guesser a fresh budget each time the owner signs in). Unknown emails cost
     * a verify against a dummy hash and are counted the same, so neither timing nor 429s tell them apart.
     */
    async login(email: string, password: string, ip: string): Promise<Session> {
      const normalised = email.trim().toLowerCase();
      const slot = await shared.reserve(
        [
          { bucket: `login:email:${sha256Hex(normalised)}`, limit: MAX_CHECKS_PER_EMAIL },
          { bucket: `login:ip:${ip}`, limit: MAX_CHECKS_PER_IP },
        ],
        CHECK_WINDOW_MS,
        nowMs(clock),
      );
      if (!slot.allowed) {
        const minutes = Math.ceil(slot.retryAfterSeconds / 60);
        throw new AppError('rate_limited', `Too many failed sign-in attempts. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`, undefined, {
          'Retry-After': String(slot.retryAfterSeconds),
        });
      }
      let wrong = false;
      try {
        const dummyReady = dummyHash(); // made before the look-up, so the first unknown email costs no extra hash
        dummyReady.catch(() => undefined); // awaited below only for unknown emails; never an unhandled rejection
        const found = await repo.findByEmail(normalised);
        const { verify } = await lib();
        const ok = found ? await verify(found.passwordHash, password) : (await verify(await dummyReady, password), false);
        if (!ok || !found || !found.user.active) {
          wrong = true;
          throw new AppError('unauthenticated', 'The email or password is incorrect.');
        }
        return await openSession(found.user, ip);
      } finally {
        // Only a wrong password is a failure to remember; a success or an outage gives the slot back.
        if (!wrong) await slot.release();
      }
    },

    /** The session behind a cookie token, or undefined when unknown, expired or its user is disabled. */
    async session(token: string | undefined): Promise<Omit<Session, 'token'> & { id: string } | undefined> {
      if (!token || token.length > 100) return undefined;
      const row = await repo.findSession(sha256Hex(token));
      if (!row || !row.staff.active) return undefined;
      if (row.expiresAt <= clock.now().toISOString()) {
        await repo.deleteSession(row.id);
        return undefined;
      }
      return { id: row.id, csrfToken: row.csrfToken, expiresAt: row.expiresAt, staff: row.staff };
    },

    /** Ends a session. */
    async logout(sessionId: string): Promise<void> {
      await repo.deleteSession(sessionId);
    },

    /** Constant-time comparison of the CSRF header with the session's token. */
    csrfMatches(expected: string, presented: string | undefined): boolean {
      return !!presented && sameSecret(expected, presented);
    },

    findByIds: (ids: string[]) => repo.findByIds(ids),
    findByEmail: async (email: string) => (await repo.findByEmail(email.trim().toLowerCase()))?.user,
  };
}
export type StaffService = ReturnType<typeof createStaffService>;
