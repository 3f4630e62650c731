import type { FieldError } from '../errors.js';

/**
 * The redirect rule: where a checkout may send the customer back to. A key lists allowed origins (each an
 * https origin, http only for a local host, nothing after the host); a checkout's success/cancel URL is an
 * absolute https URL (http only for a local host) without credentials and, when the key lists origins, on one
 * of them. Pure (WHATWG `URL` only): the server's key checks, the checkout and the console's key forms use it.
 */

/** The most allowed redirect origins a key may list. */
export const MAX_REDIRECT_ORIGINS = 20;

/** The longest origin text a request may carry (the schema's bound). */
export const ORIGIN_INPUT_MAX_LENGTH = 300;

/** The longest success/cancel URL accepted. */
export const MAX_REDIRECT_URL_LENGTH = 2000;

/** The field-error message for an entry that is not an allowed origin. */
export const ORIGIN_MESSAGE = 'must be an https origin such as https://app.example.com';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a host that only ever names this machine (where plain http is allowed). */
export function isLocalHost(hostname: string): boolean {
  return LOCAL_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function schemeAllowed(u: URL): boolean {
  return u.protocol === 'https:' || (u.protocol === 'http:' && isLocalHost(u.hostname));
}

/** An allowed-origin entry as its origin (`https://app.example.com`), or undefined when it is not one. */
export function normaliseOrigin(raw: string): string | undefined {
  const u = parseUrl(raw.trim());
  if (!u || !schemeAllowed(u) || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) return undefined;
  return u.origin;
}

/** Why a success/cancel URL is refused (the API's words), or its normalised form. */
export function checkRedirectTarget(raw: string, allowedOrigins: readonly string[]): { url: string } | { message: string } {
  if (raw.length > MAX_REDIRECT_URL_LENGTH) return { message: `must be at most ${MAX_REDIRECT_URL_LENGTH} characters` };
  const u = parseUrl(raw);
  if (!u) return { message: 'must be an absolute https URL' };
  if (!schemeAllowed(u)) return { message: 'must be an https URL (http is allowed only for localhost)' };
  if (u.username || u.password) return { message: 'must not contain a user name or password' };
  if (allowedOrigins.length > 0 && !allowedOrigins.includes(u.origin)) {
    return { message: `must be on one of this key's allowed redirect origins (${allowedOrigins.join(', ')})` };
  }
  return { url: u.href };
}

/**
 * Checks a redirect target of a checkout; returns the normalised URL, or pushes a field error and returns
 * undefined. Only URLs that pass are ever redirected to, so there is no open redirect.
 */
export function checkRedirectUrl(path: string, raw: string, allowedOrigins: readonly string[], errors: FieldError[]): string | undefined {
  const r = checkRedirectTarget(raw, allowedOrigins);
  if ('message' in r) {
    errors.push({ path, message: r.message });
    return undefined;
  }
  return r.url;
}
