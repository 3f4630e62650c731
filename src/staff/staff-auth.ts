import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit.service.js';
import { AppError } from '../kernel/errors.js';
import type { StaffUser } from './staff.repository.js';
import type { StaffService } from './staff.service.js';

export const SESSION_COOKIE = 'flow_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member of an /admin/v1 call. */
    staff: StaffUser;
    staffSession: { id: string; csrfToken: string; expiresAt: string };
  }
  interface FastifyContextConfig {
    /** Only admins may call this route (create, change, roll, revoke). */
    adminOnly?: boolean;
    /** An /admin/v1 route open without a session (login). */
    noSession?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The audit actor for a staff request. */
export function staffActor(request: FastifyRequest): Actor {
  return { type: 'staff', id: request.staff.id, label: request.staff.email, ip: request.ip };
}

/**
 * The /admin/v1 gate (an onRequest hook of that surface, unknown paths included): a live session cookie, the
 * CSRF header on every state change, the admin role where required. Routes marked `noSession` (login) pass.
 */
export function createStaffAuth(deps: { staff: StaffService }) {
  const { staff } = deps;
  return async function staffAuth(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.noSession) return;
    const session = await staff.session(request.cookies[SESSION_COOKIE]);
    if (!session) throw new AppError('unauthenticated', 'Sign in to continue.');
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!staff.csrfMatches(session.csrfToken, typeof header === 'string' ? header : undefined)) {
        throw new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header.');
      }
    }
    if (request.routeOptions.config?.adminOnly && session.staff.role !== 'admin') {
      throw new AppError('permission_denied', 'Only administrators can do this.');
    }
    request.staff = session.staff;
    request.staffSession = { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  };
}
