import type { FastifyReply, FastifyRequest } from 'fastify';

const COMMON = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};
const API = { ...COMMON, 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'" };
const CONSOLE = {
  ...COMMON,
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

/** Security headers on every answer: a locked-down CSP for JSON, a same-origin one for the console. */
export function securityHeaders(secure: boolean) {
  const hsts = secure ? { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' } : {};
  const api = { ...API, ...hsts };
  const consoleHeaders = { ...CONSOLE, ...hsts };
  return async function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = request.url;
    if (url.startsWith('/docs') || url.startsWith('/checkout') || url.startsWith('/logos/')) {
      // These set their own Content-Security-Policy.
      reply.headers({ ...COMMON, ...hsts });
      return;
    }
    reply.headers(url.startsWith('/v1/') || url.startsWith('/admin/') || url === '/health' || url === '/ready' ? api : consoleHeaders);
  };
}
