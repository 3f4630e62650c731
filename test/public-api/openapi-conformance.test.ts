import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPublicApi } from '../../src/public-api/demo-seed.js';
import { demoId } from '../../src/public-api/demo-seed.js';
import { ADMIN, as, buildTestApp, type TestApp } from '../helpers.js';
import { payByDirectDebit } from '../checkout/fixtures.js';

/*
 * What a typed client relies on: every answer of every /v1 operation — status, media type, headers, body —
 * is what the served /openapi.json declares. The validator is built from that document itself.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Headers the server sends on some answers; whenever one is sent, the answer's declaration must name it. */
const WATCHED = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'etag', 'location', 'idempotent-replayed', 'content-disposition', 'x-request-id', 'set-cookie'];

describe('every /v1 answer conforms to the served OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  let ajv: Ajv2020;
  const seen = new Map<string, Set<number>>();
  const problems: string[] = [];
  let admin: { cookie: string; csrf: string };

  function operationOf(method: string, url: string): { key: string; op: Json } | undefined {
    const pathname = url.split('?')[0];
    for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      if (re.test(pathname) && item[method.toLowerCase()]) return { key: `${method.toUpperCase()} ${template}`, op: item[method.toLowerCase()] };
    }
    return undefined;
  }

  /** Checks one answer against its operation's declaration; every mismatch is collected with its cause. */
  function check(method: string, url: string, res: LightMyRequestResponse): void {
    const found = operationOf(method, url);
    if (!found) return void problems.push(`${method} ${url}: no such operation in the document`);
    const { key, op } = found;
    const statuses = seen.get(key) ?? new Set();
    statuses.add(res.statusCode);
    seen.set(key, statuses);
    const where = `${key} → ${res.statusCode}`;
    const declared = op.responses[String(res.statusCode)];
    if (!declared) return void problems.push(`${where}: status not declared`);
    const headers = declared.headers ?? {};
    for (const [name, h] of Object.entries(headers as Record<string, Json>)) {
      const header = h.$ref ? doc.components.headers[h.$ref.split('/').pop()] : h;
      if (header.required && res.headers[name.toLowerCase()] === undefined) problems.push(`${where}: declared header ${name} missing`);
    }
    const declaredNames = new Set(Object.keys(headers).map((n) => n.toLowerCase()));
    for (const name of WATCHED) if (res.headers[name] !== undefined && !declaredNames.has(name)) problems.push(`${where}: header ${name} sent but not declared`);
    if (res.statusCode === 204) {
      if (res.body !== '') problems.push(`${where}: a body on 204`);
      return;
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    const media = declared.content?.[type];
    if (!media) return void problems.push(`${where}: content type ${type} not declared (declared: ${Object.keys(declared.content ?? {}).join(', ')})`);
    const pointer = `openapi#/paths/${encode(key.split(' ')[1])}/${method.toLowerCase()}/responses/${res.statusCode}/content/${encode(type)}/schema`;
    const validate = ajv.getSchema(pointer);
    if (!validate) return void problems.push(`${where}: no schema at ${pointer}`);
    const body = type.endsWith('json') ? res.json() : res.body;
    if (!validate(body)) problems.push(`${where}: body does not match: ${ajv.errorsText(validate.errors)}`);
  }
  const encode = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

  async function call(method: string, url: string, opts: { key?: string; headers?: Record<string, string>; payload?: unknown; contentType?: string } = {}) {
    const headers: Record<string, string> = { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...opts.headers };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    const payload = typeof opts.payload === 'string' || opts.payload === undefined ? opts.payload : JSON.stringify(opts.payload);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await t.app.inject({ method: method as 'GET', url, headers, payload: payload as string | undefined });
    check(method, url, res);
    return res;
  }

  const keys: Record<string, string> = {};
  async function newKey(purpose: string, extra: Json = {}): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { ...as(admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ reference: `conformance ${purpose} ${Object.keys(keys).length}`, purpose, expiresOn: '2027-01-01', ...extra }),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().key as string;
  }

  const example = (key: string) => {
    const [m, p] = key.split(' ');
    return doc.paths[p][m.toLowerCase()].requestBody.content['application/json'].example;
  };

  beforeAll(async () => {
    // Webhook URLs in the examples are not resolved (no DNS in tests): the address rules are tested in test/webhooks.
    t = await buildTestApp({ config: { webhookAllowPrivate: true } });
    await seedPublicApi(t.deps, await t.deps.environments.get('demo'));
    doc = (await t.app.inject({ url: '/openapi.json', headers: { host: 'flow.test' } })).json();
    ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    (ajvFormats as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema(doc, 'openapi');
    admin = await t.login(ADMIN.email, ADMIN.password);
    keys.flow = await newKey('flow_api');
    keys.importer = await newKey('import_members');
    keys.limited = await newKey('flow_api', { rateLimitPerMinute: 1 });
  }, 60_000);
  afterAll(() => t.close());

  it('drives every /v1 operation, successes and typical errors, and finds no mismatch', async () => {
    const k = keys.flow;
    // Keys
    await call('GET', '/v1/me', { key: k });
    await call('GET', '/v1/me');
    await call('GET', '/v1/me', { key: 'flow_nonsense' });
    await call('GET', '/v1/me', { key: keys.limited });
    expect((await call('GET', '/v1/me', { key: keys.limited })).statusCode).toBe(429);
    await call('POST', '/v1/keys/revoke-leaked', { payload: example('POST /v1/keys/revoke-leaked') });
    await call('POST', '/v1/keys/revoke-leaked', { payload: { keys: [] } });
    // Sites, types
    await call('GET', '/v1/sites?limit=2', { key: k });
    await call('GET', '/v1/sites?limit=0', { key: k });
    await call('GET', '/v1/membership-types', { key: k });
    await call('GET', '/v1/membership-types?integration=nope', { key: k });
    // Members
    await call('GET', '/v1/members?limit=100', { key: k });
    await call('GET', '/v1/members', { key: keys.importer });
    await call('GET', '/v1/members?updatedSince=yesterday', { key: k });
    const created = await call('POST', '/v1/members', { key: k, headers: { 'idempotency-key': 'conf-1' }, payload: example('POST /v1/members') });
    expect(created.statusCode).toBe(201);
    expect((await call('POST', '/v1/members', { key: k, headers: { 'idempotency-key': 'conf-1' }, payload: example('POST /v1/members') })).headers['idempotent-replayed']).toBe('true');
    await call('POST', '/v1/members', { key: k, payload: example('POST /v1/members') }); // duplicate email: 409
    await call('POST', '/v1/members', { key: k, payload: { firstName: 'A', lastName: 'B', email: 'nope' } });
    await call('POST', '/v1/members', { key: k, payload: 'x', contentType: 'text/plain' });
    const member = demoId('mem', 1);
    const read = await call('GET', `/v1/members/${member}`, { key: k });
    await call('GET', '/v1/members/mem_missing', { key: k });
    await call('PATCH', `/v1/members/${member}`, { key: k, headers: { 'if-match': String(read.headers.etag) }, payload: example('PATCH /v1/members/{id}') });
    await call('PATCH', `/v1/members/${member}`, { key: k, headers: { 'if-match': String(read.headers.etag) }, payload: { phone: '07700 900999' } }); // stale: 412
    await call('GET', `/v1/members/${member}/memberships`, { key: k });
    await call('GET', '/v1/members/mem_missing/memberships', { key: k });
    await call('GET', `/v1/members/${member}/access-code`, { key: k });
    await call('GET', `/v1/members/${demoId('mem', 8)}/access-code`, { key: k }); // cancelled membership: 409
    // Memberships
    await call('GET', '/v1/memberships', { key: k });
    await call('GET', '/v1/memberships?status=nope', { key: k });
    await call('GET', `/v1/memberships/${demoId('ms', 2)}`, { key: k });
    await call('GET', '/v1/memberships/ms_missing', { key: k });
    await call('POST', `/v1/memberships/${demoId('ms', 1)}/cancel`, { key: k, payload: example('POST /v1/memberships/{id}/cancel') });
    await call('POST', `/v1/memberships/${demoId('ms', 9)}/cancel`, { key: k, payload: {} }); // expired: 409
    await call('POST', '/v1/memberships/ms_missing/cancel', { key: k, payload: {} });
    // Attendance
    await call('POST', '/v1/attendance', { key: k, payload: example('POST /v1/attendance') });
    await call('POST', '/v1/attendance', { key: k, payload: { records: [{ memberId: 'mem_missing', sessionStart: '2026-06-15T17:00:00Z', status: 'present' }] } });
    await call('POST', '/v1/attendance', { key: k, payload: { records: [] } });
    // Imports: the three bodies, the job, the CSV report
    const body = doc.paths['/v1/member-imports'].post.requestBody.content;
    const jobs: string[] = [];
    for (const type of ['text/csv', 'application/json', 'application/x-ndjson']) {
      const ex = body[type].example;
      const res = await call('POST', '/v1/member-imports?dryRun=true', { key: keys.importer, contentType: type, payload: typeof ex === 'string' ? ex : JSON.stringify(ex) });
      expect(res.statusCode).toBe(202);
      jobs.push(res.json().id);
    }
    const bad = await call('POST', '/v1/member-imports', { key: keys.importer, contentType: 'text/csv', payload: 'first_name,last_name,email\nAda,Lovelace,not-an-email\n' });
    await call('POST', '/v1/member-imports', { key: keys.importer, contentType: 'text/plain', payload: 'x' });
    await call('POST', '/v1/member-imports?dryRun=maybe', { key: keys.importer, contentType: 'text/csv', payload: 'x' });
    await expect.poll(async () => (await call('GET', `/v1/member-imports/${bad.json().id}`, { key: keys.importer })).json().status, { timeout: 10_000 }).toBe('succeeded');
    await call('GET', `/v1/member-imports/${jobs[0]}`, { key: keys.importer });
    await call('GET', '/v1/member-imports/imp_missing', { key: keys.importer });
    const report = await call('GET', `/v1/member-imports/${bad.json().id}/errors`, { key: keys.importer });
    expect(report.body).toContain('2,email,is not an email address');
    await call('GET', '/v1/member-imports/imp_missing/errors', { key: keys.importer });
    // Checkout, and the test provider's mandate decisions
    const session = await call('POST', '/v1/checkout/sessions', { key: k, headers: { 'idempotency-key': 'conf-cs' }, payload: example('POST /v1/checkout/sessions') });
    expect(session.statusCode).toBe(201);
    await call('POST', '/v1/checkout/sessions', { key: k, payload: { ...example('POST /v1/checkout/sessions'), successUrl: 'ftp://nope' } });
    /** A pending Direct Debit mandate: the customer pays a new session by Direct Debit on the hosted page. */
    const mandateOf = async (id: string) => {
      expect((await payByDirectDebit(t, id)).statusCode).toBe(303);
      return (await call('GET', `/v1/checkout/sessions/${id}`, { key: k })).json().payment.mandateId as string;
    };
    const first = await mandateOf(session.json().id as string);
    const second = await mandateOf((await call('POST', '/v1/checkout/sessions', { key: k, payload: example('POST /v1/checkout/sessions') })).json().id as string);
    await call('GET', '/v1/checkout/sessions/cs_missing', { key: k });
    await call('POST', `/v1/checkout/test-provider/mandates/${first}/confirm`, { key: k });
    await call('POST', `/v1/checkout/test-provider/mandates/${first}/confirm`, { key: k }); // already decided: 409
    await call('POST', `/v1/checkout/test-provider/mandates/${second}/fail`, { key: k });
    await call('POST', '/v1/checkout/test-provider/mandates/tp_md_missing/fail', { key: k });
    // Webhooks
    await call('GET', '/v1/webhook-endpoints', { key: k });
    await call('GET', '/v1/webhook-endpoints');
    const endpoint = await call('POST', '/v1/webhook-endpoints', { key: k, payload: example('POST /v1/webhook-endpoints') });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const we = endpoint.json().id as string;
    expect((await call('POST', '/v1/webhook-endpoints', { key: keys.importer, payload: example('POST /v1/webhook-endpoints') })).statusCode).toBe(403);
    await call('POST', '/v1/webhook-endpoints', { key: k, payload: { url: 'https://hooks.example.com/x', events: [] } });
    await call('GET', `/v1/webhook-endpoints/${we}`, { key: k });
    await call('GET', `/v1/webhook-endpoints/${we}`, { key: keys.importer });
    await call('PATCH', `/v1/webhook-endpoints/${we}`, { key: k, payload: example('PATCH /v1/webhook-endpoints/{id}') });
    await call('PATCH', `/v1/webhook-endpoints/${we}`, { key: k, payload: {} });
    await call('POST', `/v1/webhook-endpoints/${we}/roll-secret`, { key: k });
    await call('POST', '/v1/webhook-endpoints/we_missing/roll-secret', { key: k });
    await call('POST', `/v1/webhook-endpoints/${we}/test`, { key: k });
    await call('POST', '/v1/webhook-endpoints/we_missing/test', { key: k });
    await call('DELETE', `/v1/webhook-endpoints/${we}`, { key: k });
    await call('DELETE', `/v1/webhook-endpoints/${we}`, { key: k });

    expect(problems).toEqual([]);
    // Every /v1 operation of the document was driven to a success and to an error.
    const v1 = Object.entries(doc.paths as Record<string, Json>)
      .filter(([p]) => p.startsWith('/v1/'))
      .flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    const unexercised = v1.filter((op) => {
      const s = [...(seen.get(op) ?? [])];
      return !s.some((x) => x < 300) || !s.some((x) => x >= 400);
    });
    expect(unexercised).toEqual([]);
  }, 120_000);

  it('problem answers are written for people: one entry per field, words, the permission and who holds it, a type that resolves here', async () => {
    const res = await call('POST', '/v1/members', { key: keys.flow, payload: { firstName: 'A', lastName: 'B', email: 'nope', dateOfBirth: 5, phone: null } });
    expect(res.json()).toMatchObject({ code: 'validation_failed', detail: 'email: must be an email address; dateOfBirth: must be a string or null', errors: [{ path: 'email', message: 'must be an email address' }, { path: 'dateOfBirth', message: 'must be a string or null' }] });
    const attendance = await call('POST', '/v1/attendance', { key: keys.flow, payload: { records: [{ memberId: 'm', sessionStart: '2026-06-15T17:00:00Z', status: 'late' }] } });
    expect(attendance.json().errors).toEqual([{ path: 'records.0.status', message: 'must be one of: present, absent, cancelled' }]);
    const denied = await call('GET', '/v1/members', { key: keys.importer });
    expect(denied.json().detail).toContain('members:read');
    expect(denied.json().detail).toContain('Innovatise Bridge (innovatise_bridge), CoursePro Integration (coursepro_integration) or FLOW API (flow_api)');
    const type = denied.json().type as string;
    expect(type).toBe('/docs/errors#permission_denied');
    const page = await t.app.inject(type.split('#')[0]);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="permission_denied"');
    expect(problems).toEqual([]);
  });

  it('each documented example is valid against its schema', () => {
    const bad: string[] = [];
    for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [m, op] of Object.entries(item as Record<string, Json>)) {
        for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Record<string, Json>)) {
          if (media.example === undefined) continue;
          const v = ajv.getSchema(`openapi#/paths/${encode(p)}/${m}/requestBody/content/${encode(type)}/schema`);
          if (!v?.(media.example)) bad.push(`${m} ${p} ${type}: ${ajv.errorsText(v?.errors)}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
