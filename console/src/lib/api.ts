import type { FieldError, FieldErrors } from './types';

/** An answer that was not 2xx: the problem+json body's code, detail and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || code);
  }

  /** The field errors keyed by path, for showing beside fields. */
  fieldErrors(): FieldErrors {
    const out: FieldErrors = {};
    for (const e of this.errors) if (!out[e.path]) out[e.path] = e.message;
    return out;
  }
}

let csrfToken = '';
let onUnauthenticated: () => void = () => {};

/** Remembers the CSRF token of the current session (sent on every state change). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** What to do when the server says the session is gone (401 unauthenticated). */
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Calls /admin/v1: JSON in and out, CSRF header on state changes, problem+json turned into ApiError. */
export async function api<T>(method: Method, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
    const err = new ApiError(res.status, p.code ?? 'error', p.detail ?? p.title ?? `The server answered ${res.status}.`, p.errors ?? []);
    if (res.status === 401 && err.code === 'unauthenticated' && !opts.quiet401) onUnauthenticated();
    throw err;
  }
  return json as T;
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
