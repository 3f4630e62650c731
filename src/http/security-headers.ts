import type { FastifyReply, FastifyRequest } from 'fastify';

// Names in lower case, as Fastify keeps them: a mixed-case name is lower-cased into a new string on every
// answer, and each such string must then be looked up in V8's string table to be used as a property name.
const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
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
    ...(policy === 'own' ? {} : { 'content-security-policy': CSP[policy] }),
    ...(secure ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

/** An onRequest hook setting `headers` on every answer of the encapsulation context it is added to (sync: it runs on every /v1 call). */
export function securityHeaders(headers: Record<string, string>) {
  return function setSecurityHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    reply.headers(headers);
    done();
  };
}
