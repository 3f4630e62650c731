import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useNavigationType, useSearchParams } from 'react-router-dom';
import { api, ApiError, query } from '../lib/api';
import { formatDate, formatDateTime, timeAgo } from '../lib/dates';
import { useSession, useStaff } from '../lib/session';
import { useTitle } from '../lib/title';
import { useGet } from '../lib/use-api';
import type { ApiKey, KeyStatus, Purposes } from '../lib/types';
import { Alert, KEYS_PATH, KeysBreadcrumbs, Loading, PageHeader, StatusBadge } from '../components/ui';

const PAGE_SIZE = 25;
/** The list is loaded whole (up to this many) so search, filters and sorting answer as the user types. */
const MAX_LOADED = 10_000;

type SortField = 'createdAt' | 'reference' | 'expiresOn' | 'lastUsedAt';
const SORTS: { value: string; label: string }[] = [
  { value: 'createdAt:desc', label: 'Newest first' },
  { value: 'createdAt:asc', label: 'Oldest first' },
  { value: 'reference:asc', label: 'Reference A–Z' },
  { value: 'reference:desc', label: 'Reference Z–A' },
  { value: 'expiresOn:asc', label: 'Expiring soonest' },
  { value: 'expiresOn:desc', label: 'Expiring latest' },
  { value: 'lastUsedAt:desc', label: 'Recently used' },
];
const STATUSES: { value: KeyStatus; label: string }[] = [
  { value: 'active', label: 'Active' },
  { value: 'expiring_soon', label: 'Expiring soon' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked' },
];

const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });

/** Filters and sorts the loaded keys: the pass that runs on every keystroke. */
export function filterKeys(keys: ApiKey[], q: string, purpose: string, status: string, sort: SortField, order: 'asc' | 'desc'): ApiKey[] {
  const needle = q.trim().toLocaleLowerCase();
  const out = keys.filter(
    (k) =>
      (!purpose || k.purpose === purpose) &&
      (!status || k.status === status) &&
      (!needle || k.reference.toLocaleLowerCase().includes(needle) || k.preview.toLocaleLowerCase().includes(needle)),
  );
  const dir = order === 'asc' ? 1 : -1;
  out.sort((a, b) => {
    let c: number;
    if (sort === 'reference') c = collator.compare(a.reference, b.reference);
    else {
      const av = a[sort] ?? '';
      const bv = b[sort] ?? '';
      c = av < bv ? -1 : av > bv ? 1 : 0;
    }
    return c * dir || (a.id < b.id ? -1 : 1);
  });
  return out;
}

/** Every key of the environment, fetched page by page (1,000 at a time). */
function useAllKeys() {
  const [keys, setKeys] = useState<ApiKey[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    let live = true;
    (async () => {
      const all: ApiKey[] = [];
      let cursor: string | null = null;
      let count = 0;
      do {
        const page: { data: ApiKey[]; nextCursor: string | null; total: number } = await api('GET', `/admin/v1/api-keys${query({ limit: 1000, cursor })}`);
        all.push(...page.data);
        count = page.total;
        cursor = page.nextCursor;
      } while (cursor && all.length < MAX_LOADED && live);
      if (!live) return;
      setKeys(all);
      setTotal(count);
    })().catch((e: unknown) => live && setError(e instanceof ApiError ? e : new ApiError(0, 'error', String(e))));
    return () => {
      live = false;
    };
  }, []);
  return { keys, total, error };
}

/** FLOW API Keys: the environment's keys with search, filters, sorting and paging. */
export function KeyListPage() {
  useTitle('FLOW API Keys');
  const { isAdmin } = useSession();
  const { staff } = useStaff();
  const tz = staff.environment.timeZone;
  const [params, setParams] = useSearchParams();
  const { keys, total, error } = useAllKeys();
  const purposes = useGet<Purposes>('/admin/v1/purposes');

  const q = params.get('q') ?? '';
  const purpose = params.get('purpose') ?? '';
  const status = params.get('status') ?? '';
  const sortValue = SORTS.some((s) => s.value === params.get('sort')) ? (params.get('sort') as string) : SORTS[0].value;
  const [sort, order] = sortValue.split(':') as [SortField, 'asc' | 'desc'];
  const page = Math.max(1, Number(params.get('page')) || 1);

  // Typing updates the box at once; the (possibly large) list follows at lower priority.
  const [typed, setTyped] = useState(q);
  const deferredQ = useDeferredValue(typed);

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  }

  useEffect(() => {
    if (deferredQ !== q) update({ q: deferredQ });
  }, [deferredQ]);
  // The box writes `q` with replace-navigations; any other navigation (back/forward, a link) refills it.
  const location = useLocation();
  const navigationType = useNavigationType();
  useEffect(() => {
    if (navigationType !== 'REPLACE') setTyped(q);
  }, [location.key]);

  const filtered = useMemo(() => {
    if (!keys) return [];
    const start = performance.now();
    const out = filterKeys(keys, deferredQ, purpose, status, sort, order);
    // Exposed to the browser's performance timeline so the filter cost can be measured (see test/console).
    performance.measure('flow:keys-filter', { start, end: performance.now(), detail: { keys: keys.length, matches: out.length } });
    return out;
  }, [keys, deferredQ, purpose, status, sort, order]);

  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  const current = Math.min(page, pages);
  const shown = filtered.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
  const filtering = !!(q || purpose || status);
  const stale = typed !== deferredQ;

  const createButton = isAdmin ? (
    <Link to={`${KEYS_PATH}/new`} className="button button-primary">
      <span aria-hidden="true">+</span> Create New API Key
    </Link>
  ) : null;

  return (
    <div className="page">
      <KeysBreadcrumbs />
      <PageHeader
        title="FLOW API Keys"
        intro="Secure codes that identify your FLOW environment to approved third-party systems and grant them the access their purpose needs."
        actions={createButton}
      />
      {!isAdmin && <Alert tone="info">You can view keys. Only an administrator can create, change, roll or revoke them.</Alert>}
      {error && <Alert tone="error" title="The keys could not be loaded">{error.message}</Alert>}
      {!keys && !error && <Loading label="Loading keys…" />}
      {keys && keys.length === 0 && (
        <div className="card empty">
          <div className="empty-icon" aria-hidden="true">
            <svg viewBox="0 0 48 48" width="48" height="48">
              <circle cx="17" cy="24" r="9" fill="none" stroke="currentColor" strokeWidth="3" />
              <path d="M26 24h17m-6 0v7m-5-7v5" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
            </svg>
          </div>
          <h2>No API keys yet</h2>
          <p>Create a key for each third-party system that should connect to FLOW, such as CoursePro or the Innovatise app.</p>
          {isAdmin ? createButton : <p className="muted">Ask an administrator to create the first key.</p>}
        </div>
      )}
      {keys && keys.length > 0 && (
        <section className="card" aria-labelledby="keys-heading">
          <h2 id="keys-heading" className="visually-hidden">
            Keys
          </h2>
          <div className="toolbar" role="search">
            <div className="field field-grow">
              <label htmlFor="key-search">Search</label>
              <input
                id="key-search"
                type="search"
                placeholder="Reference or key preview"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                autoComplete="off"
              />
            </div>
            <div className="field">
              <label htmlFor="key-purpose">Purpose</label>
              <select id="key-purpose" value={purpose} onChange={(e) => update({ purpose: e.target.value })}>
                <option value="">All purposes</option>
                {purposes.data?.purposes.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="key-status">Status</label>
              <select id="key-status" value={status} onChange={(e) => update({ status: e.target.value })}>
                <option value="">All statuses</option>
                {STATUSES.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="key-sort">Sort by</label>
              <select id="key-sort" value={sortValue} onChange={(e) => update({ sort: e.target.value === SORTS[0].value ? '' : e.target.value })}>
                {SORTS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <p className="result-count" role="status" aria-live="polite">
            {filtered.length === keys.length ? `${keys.length} ${keys.length === 1 ? 'key' : 'keys'}` : `${filtered.length} of ${keys.length} keys match`}
            {total > keys.length && ` (showing the first ${keys.length} of ${total})`}
          </p>
          {filtered.length === 0 ? (
            <div className="empty empty-inline">
              <p>No keys match {filtering || typed ? 'these filters' : ''}.</p>
              <button
                type="button"
                className="button button-secondary"
                onClick={() => {
                  setTyped('');
                  setParams(new URLSearchParams(), { replace: true });
                }}
              >
                Clear search and filters
              </button>
            </div>
          ) : (
            <div className={`table-wrap${stale ? ' is-stale' : ''}`}>
              <table className="table keys-table">
                <caption className="visually-hidden">FLOW API Keys, page {current} of {pages}</caption>
                <thead>
                  <tr>
                    <th scope="col">Reference</th>
                    <th scope="col">Purpose</th>
                    <th scope="col">Key</th>
                    <th scope="col">Status</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((k) => (
                    <tr key={k.id}>
                      <td data-label="Reference">
                        <Link to={`${KEYS_PATH}/${k.id}`} className="strong-link">
                          {k.reference}
                        </Link>
                      </td>
                      <td data-label="Purpose">{k.purposeLabel}</td>
                      <td data-label="Key">
                        <code className="key-preview">{k.preview}</code>
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={k.status} />
                      </td>
                      <td data-label="Expires">{formatDate(k.expiresOn)}</td>
                      <td data-label="Created">
                        <div>
                          <span className="cell-main">{formatDateTime(k.createdAt, tz)}</span>
                          {k.createdBy && <span className="cell-sub">by {k.createdBy.name || k.createdBy.email}</span>}
                        </div>
                      </td>
                      <td data-label="Last used" title={k.lastUsedAt ? formatDateTime(k.lastUsedAt, tz) : undefined}>
                        {timeAgo(k.lastUsedAt)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav className="pager" aria-label="Pages">
              <button type="button" className="button button-secondary button-small" disabled={current <= 1} onClick={() => update({ page: String(current - 1) })}>
                Previous
              </button>
              <span>
                Page {current} of {pages}
              </span>
              <button type="button" className="button button-secondary button-small" disabled={current >= pages} onClick={() => update({ page: String(current + 1) })}>
                Next
              </button>
            </nav>
          )}
        </section>
      )}
    </div>
  );
}
