import type { FastifyReply, FastifyRequest } from 'fastify';

const COMMON = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};
const CSP = {
  /** JSON answers: nothing may load or frame them. */
  api: "default-src 'none'; frame-ancestors 'none'",
  /** The console: same-origin scripts, styles and connections. */
  console:
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
} as const;

/** Which Content-Security-Policy a surface answers with; `own` surfaces (docs, checkout pages, logo files) set theirs per answer. */
export type HeaderPolicy = keyof typeof CSP | 'own';

/** The security headers of one surface (HSTS when cookies are secure, i.e. served over HTTPS). */
export function securityHeadersFor(policy: HeaderPolicy, secure: boolean): Record<string, string> {
  return {
    ...COMMON,
    ...(policy === 'own' ? {} : { 'Content-Security-Policy': CSP[policy] }),
    ...(secure ? { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

/** An onRequest hook setting `headers` on every answer of the encapsulation context it is added to (sync: it runs on every /v1 call). */
export function securityHeaders(headers: Record<string, string>) {
  return function setSecurityHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    reply.headers(headers);
    done();
  };
}
