import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ADMIN, as, buildTestApp, type TestApp } from '../helpers.js';

describe('HTTP surface', () => {
  let t: TestApp;
  let admin: { cookie: string; csrf: string };
  beforeAll(async () => {
    t = await buildTestApp();
    admin = await t.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => t.close());

  it('health and readiness', async () => {
    expect((await t.app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('publishes an OpenAPI 3.1 document generated from the routes, and interactive docs', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/me', '/admin/v1/api-keys', '/admin/v1/api-keys/{id}', '/admin/v1/api-keys/{id}/roll', '/admin/v1/logos', '/admin/v1/session']));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/me'].get.responses['401']).toBeDefined();
    const docs = await t.app.inject('/docs');
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('sets security headers: a locked-down CSP on JSON, a same-origin CSP on the console, nosniff, no framing', async () => {
    const api = await t.app.inject('/v1/me');
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['x-frame-options']).toBe('DENY');
    expect(api.headers['x-request-id']).toMatch(/^req_/);
    const page = await t.app.inject('/system-configuration/integrations/api-keys');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('unknown API routes are problem+json 404 (after authentication on /v1)', async () => {
    expect((await t.app.inject('/v1/nothing-here')).json().code).toBe('key_missing');
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/nothing', headers: as(admin) });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
  });

  it('answers malformed and oversized bodies with 4xx problems, never 500', async () => {
    const url = '/admin/v1/api-keys';
    const badJson = await t.app.inject({ method: 'POST', url, headers: { ...as(admin), 'content-type': 'application/json' }, payload: '{"reference": ' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body' }] });
    const text = await t.app.inject({ method: 'POST', url, headers: { ...as(admin), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_media_type');
    const huge = await t.app.inject({ method: 'POST', url, headers: { ...as(admin), 'content-type': 'application/json' }, payload: JSON.stringify({ reference: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('payload_too_large');
    const wrongType = await t.app.inject({ method: 'POST', url, headers: as(admin), payload: { reference: { a: 1 }, purpose: ['x'], expiresOn: null } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['reference', 'purpose', 'expiresOn']));
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, redisUrl: undefined });
  });
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ FLOW_ADMIN_PASSWORD: 'short' }, 'FLOW_ADMIN_PASSWORD'],
  ])('stops with a message naming the variable for %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
