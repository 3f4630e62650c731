import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, invalid, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import type { SharedState } from '../shared/shared-state.js';
import type { Clock } from '../time.js';
import type { StaffRepository, StaffUser } from './staff.repository.js';

export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_EMAIL = 5;
const MAX_FAILURES_PER_IP = 50;
// algorithm 2 = Argon2id (a const enum, which isolatedModules cannot import).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A signed-in staff member with the tokens the browser needs. */
export interface Session {
  token: string;
  csrfToken: string;
  expiresAt: string;
  staff: StaffUser;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
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

  return {
    /** Creates a staff user; 409 when the email is taken. */
    async create(input: { environmentId: string; email: string; name?: string; role: string; password: string }): Promise<StaffUser> {
      const email = input.email.trim().toLowerCase();
      const errors: FieldError[] = [];
      if (!EMAIL.test(email) || email.length > 254) errors.push({ path: 'email', message: 'must be an email address' });
      if (input.role !== 'admin' && input.role !== 'staff') errors.push({ path: 'role', message: 'must be admin or staff' });
      if (input.password.length < 12 || input.password.length > 200) errors.push({ path: 'password', message: 'must be 12–200 characters' });
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

    /** Checks a password and opens a session; throttled per email and per address after repeated failures. */
    async login(email: string, password: string, ip: string): Promise<Session> {
      const normalised = email.trim().toLowerCase();
      const emailBucket = `login:email:${sha256(normalised)}`;
      const ipBucket = `login:ip:${ip}`;
      const [byEmail, byIp] = await Promise.all([shared.peek(emailBucket, FAILURE_WINDOW_MS), shared.peek(ipBucket, FAILURE_WINDOW_MS)]);
      if (byEmail >= MAX_FAILURES_PER_EMAIL || byIp >= MAX_FAILURES_PER_IP) {
        throw new AppError('rate_limited', 'Too many failed sign-in attempts. Try again in 15 minutes.', undefined, {
          'Retry-After': String(FAILURE_WINDOW_MS / 1000),
        });
      }
      const dummyReady = dummyHash(); // made before the look-up, so the first unknown email costs no extra hash
      dummyReady.catch(() => undefined); // awaited below only for unknown emails; never an unhandled rejection
      const found = await repo.findByEmail(normalised);
      const { verify } = await lib();
      const ok = found ? await verify(found.passwordHash, password) : (await verify(await dummyReady, password), false);
      if (!ok || !found || !found.user.active) {
        await Promise.all([shared.hit(emailBucket, MAX_FAILURES_PER_EMAIL, FAILURE_WINDOW_MS), shared.hit(ipBucket, MAX_FAILURES_PER_IP, FAILURE_WINDOW_MS)]);
        throw new AppError('unauthenticated', 'The email or password is incorrect.');
      }
      await shared.reset(emailBucket);
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
      // Sessions that ended without a sign-out are pruned here, so the table does not grow without bound.
      await repo.deleteExpiredSessions(now.toISOString());
      await repo.insertSession({ id: sha256(token), staffId: found.user.id, csrfToken, ip, createdAt: now.toISOString(), expiresAt });
      return { token, csrfToken, expiresAt, staff: found.user };
    },

    /** The session behind a cookie token, or undefined when unknown, expired or its user is disabled. */
    async session(token: string | undefined): Promise<Omit<Session, 'token'> & { id: string } | undefined> {
      if (!token || token.length > 100) return undefined;
      const row = await repo.findSession(sha256(token));
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
      if (!presented) return false;
      const a = Buffer.from(expected);
      const b = Buffer.from(presented);
      return a.length === b.length && timingSafeEqual(a, b);
    },

    findByIds: (ids: string[]) => repo.findByIds(ids),
    findByEmail: async (email: string) => (await repo.findByEmail(email.trim().toLowerCase()))?.user,
  };
}
export type StaffService = ReturnType<typeof createStaffService>;
