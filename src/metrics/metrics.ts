import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcomes of counted import rows (see `importRows`). */
type ImportRowOutcome = 'read' | 'created' | 'updated' | 'unchanged' | 'rejected';

/** Where a rate limit turned a request away. */
type RateLimitScope = 'key' | 'address' | 'leaked_report';

/**
 * The process's counters. The request path only bumps plain numbers (no label objects, no strings
 * built, no awaits); prom-client reads them when /metrics is scraped.
 */
export interface Metrics {
  /** One answered HTTP request: `route` is the route pattern (`/v1/me`), undefined when no route matched. */
  http(method: string, route: string | undefined, status: number): void;
  /** One key verification outcome: `ok` or the failure code. */
  verification(outcome: string): void;
  /** One verifier cache look-up. */
  cache(hit: boolean): void;
  /** One request turned away by a rate limit. */
  rateLimited(scope: RateLimitScope): void;
  /** Member-import rows processed, by outcome (call once per batch with the count). */
  importRows(outcome: ImportRowOutcome, count?: number): void;
  /** Keys found and revoked through a leaked-key report. */
  leakedRevoked(count: number): void;
  /** Expiry warnings recorded. */
  expiryWarnings(count: number): void;
  /** The registry to expose. */
  registry: Registry;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  contentType: string;
}

type ByStatus = Map<number, number>;

/** Creates a registry of its own (several apps in one test process must not share counters). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // route → method → status → count; nested maps so counting allocates nothing after the first hit.
  const http = new Map<string, Map<string, ByStatus>>();
  const verifications: Record<string, number> = Object.create(null) as Record<string, number>;
  const cache = { hit: 0, miss: 0 };
  const rateLimited: Record<string, number> = Object.create(null) as Record<string, number>;
  const importRows: Record<string, number> = Object.create(null) as Record<string, number>;
  const totals = { leakedRevoked: 0, expiryWarnings: 0 };

  function fill(counter: Counter<string>, label: string, values: Record<string, number>): void {
    counter.reset();
    for (const k in values) counter.inc({ [label]: k }, values[k]);
  }

  new Counter({
    name: 'flow_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, byMethod] of http)
        for (const [method, byStatus] of byMethod) for (const [status, n] of byStatus) this.inc({ route, method, status: String(status) }, n);
    },
  });
  new Counter({
    name: 'flow_key_verifications_total',
    help: 'API key verifications by outcome (ok or the error code)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      fill(this, 'outcome', verifications);
    },
  });
  new Counter({
    name: 'flow_key_cache_lookups_total',
    help: 'Verifier cache look-ups by result (hit, miss)',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      fill(this, 'result', cache);
    },
  });
  new Gauge({
    name: 'flow_key_cache_hit_ratio',
    help: 'Verifier cache hits / look-ups since start (0 before the first look-up)',
    registers: [registry],
    collect() {
      const all = cache.hit + cache.miss;
      this.set(all === 0 ? 0 : cache.hit / all);
    },
  });
  new Counter({
    name: 'flow_rate_limited_total',
    help: 'Requests rejected by a rate limit, by scope (key, address, leaked_report)',
    labelNames: ['scope'],
    registers: [registry],
    collect() {
      fill(this, 'scope', rateLimited);
    },
  });
  new Counter({
    name: 'flow_import_rows_total',
    help: 'Member-import rows processed, by outcome (read, created, updated, unchanged, rejected)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      fill(this, 'outcome', importRows);
    },
  });
  new Counter({
    name: 'flow_leaked_keys_revoked_total',
    help: 'Keys revoked because they were reported as leaked',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(totals.leakedRevoked);
    },
  });
  new Counter({
    name: 'flow_expiry_warnings_total',
    help: 'api_key.expiring_soon events recorded by this node',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(totals.expiryWarnings);
    },
  });

  return {
    http(method, route, status) {
      const r = route ?? 'unmatched';
      let byMethod = http.get(r);
      if (byMethod === undefined) http.set(r, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    },
    verification(outcome) {
      verifications[outcome] = (verifications[outcome] ?? 0) + 1;
    },
    cache(hit) {
      if (hit) cache.hit++;
      else cache.miss++;
    },
    rateLimited(scope) {
      rateLimited[scope] = (rateLimited[scope] ?? 0) + 1;
    },
    importRows(outcome, count = 1) {
      importRows[outcome] = (importRows[outcome] ?? 0) + count;
    },
    leakedRevoked(count) {
      totals.leakedRevoked += count;
    },
    expiryWarnings(count) {
      totals.expiryWarnings += count;
    },
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
