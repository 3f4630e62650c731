import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { generateKey } from '../../src/kernel/key-format.js';
import { buildTestApp, type TestApp } from '../helpers.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await buildTestApp();
    const env = await t.deps.environments.get('demo');
    key = (await t.deps.keys.create(env.id, { reference: 'Metered', purpose: 'flow_api', expiresOn: '2026-12-31', rateLimitPerMinute: 3 }, SYSTEM_ACTOR)).key;
  });
  afterAll(async () => t.close());

  it('counts requests by route and status, verification outcomes, cache hits and rate-limit rejections', async () => {
    const me = (k: string) => t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': k } });
    for (let i = 0; i < 4; i++) await me(key); // 3 allowed, the 4th rate-limited
    await me(generateKey().key); // unknown key
    await me('flow_nope');
    t.deps.metrics.importRows('created', 7);
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const m = res.body;
    expect(value(m, 'flow_http_requests_total{route="/v1/me",method="GET",status="200"}')).toBe(3);
    expect(value(m, 'flow_http_requests_total{route="/v1/me",method="GET",status="429"}')).toBe(1);
    expect(value(m, 'flow_http_requests_total{route="/v1/me",method="GET",status="401"}')).toBe(2);
    expect(value(m, 'flow_key_verifications_total{outcome="ok"}')).toBe(4);
    expect(value(m, 'flow_key_verifications_total{outcome="key_invalid"}')).toBe(1);
    expect(value(m, 'flow_key_verifications_total{outcome="key_malformed"}')).toBe(1);
    expect(value(m, 'flow_key_cache_lookups_total{result="miss"}')).toBe(2); // first use of each well-formed key
    expect(value(m, 'flow_key_cache_lookups_total{result="hit"}')).toBe(3);
    expect(value(m, 'flow_key_cache_hit_ratio')).toBeCloseTo(0.6);
    expect(value(m, 'flow_rate_limited_total{scope="key"}')).toBe(1);
    expect(value(m, 'flow_import_rows_total{outcome="created"}')).toBe(7);
    expect(m).toContain('process_resident_memory_bytes');
    expect(m).not.toContain(key);
  });

  it('labels unmatched URLs as one series, so probing cannot blow up the label set', async () => {
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: `/v1/nothing-${i}`, headers: { 'x-api-key': key } });
    const m = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(m).not.toContain('nothing-');
    expect(m).toContain('route="unmatched"');
  });

  it('needs the bearer token when FLOW_METRICS_TOKEN is set', async () => {
    const locked = await buildTestApp({ config: { metricsToken: 'a-long-enough-metrics-token' } });
    try {
      const none = await locked.app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toContain('application/problem+json');
      expect((await locked.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await locked.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer a-long-enough-metrics-token' } });
      expect(ok.statusCode).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
