/** Checkout redirect helpers; which URLs are allowed is the redirect rule (kernel/rules/redirect-origin.ts). */

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
