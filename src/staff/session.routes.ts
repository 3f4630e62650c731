import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SESSION_COOKIE } from './staff-auth.js';
import type { EnvironmentsService } from '../environments/environments.service.js';
import { problems } from '../http/schemas.js';
import type { StaffUser } from './staff.repository.js';
import { SessionSchema } from './session.schemas.js';
import { SESSION_TTL_MS, type StaffService } from './staff.service.js';

const tags = ['Admin: session'];

/** Staff sign-in, the current session, sign-out. */
export function sessionRoutes(deps: { staff: StaffService; environments: EnvironmentsService; secureCookies: boolean }): FastifyPluginAsyncTypebox {
  const { staff, environments, secureCookies } = deps;

  async function view(user: StaffUser, csrfToken: string, expiresAt: string) {
    const env = await environments.findById(user.environmentId);
    return {
      staff: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        environment: { id: user.environmentId, slug: env?.slug ?? '', name: env?.name ?? '', timeZone: env?.timeZone ?? 'Europe/London' },
      },
      csrfToken,
      expiresAt,
    };
  }

  return async (app) => {
    app.post(
      '/session',
      {
        config: { noSession: true },
        schema: {
          tags,
          summary: 'Sign in with email and password; sets the session cookie',
          body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: { 200: SessionSchema, ...problems(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const s = await staff.login(request.body.email, request.body.password, request.ip);
        reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge: SESSION_TTL_MS / 1000 });
        reply.header('Cache-Control', 'no-store');
        return view(s.staff, s.csrfToken, s.expiresAt);
      },
    );

    app.get(
      '/session',
      { schema: { tags, summary: 'The current session and its CSRF token', security: [{ session: [] }], response: { 200: SessionSchema, ...problems(401) } } },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return view(request.staff, request.staffSession.csrfToken, request.staffSession.expiresAt);
      },
    );

    app.delete(
      '/session',
      { schema: { tags, summary: 'Sign out', security: [{ session: [] }], response: { 204: Type.Null(), ...problems(401, 403) } } },
      async (request, reply) => {
        await staff.logout(request.staffSession.id);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );
  };
}
