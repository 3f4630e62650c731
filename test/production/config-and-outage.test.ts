import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toAppError } from '../../src/http/problems.js';
import { isOutage } from '../../src/shared/outage.js';
import { buildTestApp } from '../helpers.js';

describe('production configuration', () => {
  it('has safe defaults and validates the new variables', () => {
    const c = loadConfig({});
    expect(c.redisPrefix).toBe('flow:');
    expect(c.metricsToken).toBeUndefined();
    expect(c.expiryCheckMs).toBe(3_600_000);
    expect(c.leakedReportsPerMinute).toBe(10);
    expect(loadConfig({ FLOW_REDIS_PREFIX: 'tenant-a:' }).redisPrefix).toBe('tenant-a:');
    expect(() => loadConfig({ FLOW_REDIS_PREFIX: 'has space' })).toThrow(/FLOW_REDIS_PREFIX/);
    expect(() => loadConfig({ FLOW_METRICS_TOKEN: 'short' })).toThrow(/FLOW_METRICS_TOKEN/);
    expect(() => loadConfig({ FLOW_LEAKED_REPORTS_PER_MINUTE: '0' })).toThrow(/FLOW_LEAKED_REPORTS_PER_MINUTE/);
    expect(() => loadConfig({ FLOW_EXPIRY_CHECK_MS: 'hourly' })).toThrow(/FLOW_EXPIRY_CHECK_MS/);
  });
});

describe('outages answer 503, never 500', () => {
  const req = { isMultipart: () => false, headers: {} } as never;

  it('recognises lost connections to PostgreSQL, Redis and a busy SQLite', () => {
    for (const e of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('too many connections'), { code: '53300' }),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
    ]) {
      expect(isOutage(e), e.message).toBe(true);
      const mapped = toAppError(e, req);
      expect(mapped.code).toBe('unavailable');
      expect(mapped.detail).not.toMatch(/ECONN|5432|terminat|locked/);
    }
  });

  it('leaves bugs as 500 and maps text PostgreSQL cannot store to 400', () => {
    for (const e of [new TypeError('x is undefined'), Object.assign(new Error('syntax error'), { code: '42601' }), Object.assign(new Error('dup'), { code: '23505' })]) {
      expect(isOutage(e)).toBe(false);
      expect(toAppError(e, req).code).toBe('internal');
    }
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    expect(toAppError(nul, req).code).toBe('validation_failed');
  });

  it('a store that fails mid-request answers 503 problem+json with Retry-After and no internals', async () => {
    const t = await buildTestApp();
    try {
      t.deps.keys.get = async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
      };
      const s = await t.login('admin@test.flow', 'correct horse battery');
      const res = await t.app.inject({ method: 'GET', url: '/admin/v1/api-keys/key_abcdefabcdef', headers: { cookie: s.cookie } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json().code).toBe('unavailable');
      expect(res.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.5/);
    } finally {
      await t.close();
    }
  });
});
