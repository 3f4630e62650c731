import type { FieldError } from '../kernel/errors.js';

/** The longest success/cancel URL accepted. */
const MAX_URL_LENGTH = 2000;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLocal(hostname: string): boolean {
  return LOCAL_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/**
 * Checks a redirect target of a checkout: an absolute https URL (http only for localhost), no credentials,
 * and — when the key lists allowed origins — one of those origins. Returns the normalised URL, or pushes a
 * field error and returns undefined. Only URLs that pass are ever redirected to, so there is no open redirect.
 */
export function checkRedirectUrl(path: string, raw: string, allowedOrigins: readonly string[], errors: FieldError[]): string | undefined {
  if (raw.length > MAX_URL_LENGTH) {
    errors.push({ path, message: `must be at most ${MAX_URL_LENGTH} characters` });
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    errors.push({ path, message: 'must be an absolute https URL' });
    return undefined;
  }
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && isLocal(u.hostname)))) {
    errors.push({ path, message: 'must be an https URL (http is allowed only for localhost)' });
    return undefined;
  }
  if (u.username || u.password) {
    errors.push({ path, message: 'must not contain a user name or password' });
    return undefined;
  }
  if (allowedOrigins.length > 0 && !allowedOrigins.includes(u.origin)) {
    errors.push({ path, message: `must be on one of this key's allowed redirect origins (${allowedOrigins.join(', ')})` });
    return undefined;
  }
  return u.href;
}

/** Adds `session_id=<id>` to a URL, keeping its existing query exactly as written and any fragment after it. */
export function withSessionId(url: string, sessionId: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${sep}session_id=${encodeURIComponent(sessionId)}${fragment}`;
}

/** The origin of a stored (already validated) URL, for the page's form-action CSP. */
export function originOf(url: string): string {
  return new URL(url).origin;
}
