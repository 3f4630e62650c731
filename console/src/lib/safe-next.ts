/**
 * Where to go after sign-in: only a path on this origin, else home. A backslash or a control character
 * is refused outright, not cleaned: browsers read `\` as `/` and drop tabs and newlines, so `/\evil.example`
 * and `/\t/evil.example` are really `//evil.example`, another origin (following one blanked the page).
 */
export function safeNext(next: string | null): string {
  // eslint-disable-next-line no-control-regex
  if (!next || !/^\/(?![/\\])/.test(next) || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, window.location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== window.location.origin || url.pathname === '/login') return '/';
  return url.pathname + url.search + url.hash;
}
