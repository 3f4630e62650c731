import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { generateKey } from '../../src/kernel/key-format.js';
import { MATRIX, PERMISSIONS, PURPOSES, grants, type Permission, type Purpose } from '../../src/kernel/permissions.js';
import { buildTestApp, type TestApp } from '../helpers.js';
import { payByDirectDebit } from '../checkout/fixtures.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';

/*
 * One security suite for every /v1 operation, enumerated from the served /openapi.json (not from a hand
 * list): a new operation is covered the day it is documented. For each: no key, a malformed key, an
 * unknown key, an expired key, a revoked key (401 with its code), every purpose the permission matrix
 * does not grant (403 permission_denied), and, for an operation on an `{id}`, another environment's
 * object (404 not_found). Every refusal is checked as problem+json with the headers the document
 * requires on that answer. Operations documented without security (leaked-key reports) must answer
 * without a key. Test names and messages start with the operation, e.g. `GET /v1/members/{id}`.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One documented /v1 operation, as the suite reads it from the document. */
interface V1Operation {
  /** `METHOD /path/{template}`, the name failures carry. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  op: Json;
  /** The permission named in the description (`**Permission:** \`…\``), if any. */
  permission: Permission | undefined;
  /** Documented with `security: []`: callable without a key. */
  open: boolean;
}

// Webhook endpoint URLs are not resolved here (no DNS in tests): the address rules are tested in test/webhooks.
const t: TestApp = await buildTestApp({ config: { webhookAllowPrivate: true } });
afterAll(() => t.close());
const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;

function v1Operations(document: Json): V1Operation[] {
  const out: V1Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const named = /\*\*Permission:\*\* `([a-z_:]+)`/.exec(op.description ?? '')?.[1];
      out.push({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as V1Operation['method'],
        path,
        op,
        permission: named as Permission | undefined,
        open: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}

const OPERATIONS = v1Operations(doc);
const KEYED = OPERATIONS.filter((o) => !o.open);
const OPEN = OPERATIONS.filter((o) => o.open);
/** Operations any valid key may call (no permission of the matrix). */
const ANY_KEY = ['GET /v1/me'];

/** The body the document gives as the operation's example (JSON first, else its first media type). */
function exampleBody(o: V1Operation): { payload?: string; contentType?: string } {
  const content = o.op.requestBody?.content as Record<string, Json> | undefined;
  if (!content) return {};
  const type = content['application/json'] ? 'application/json' : Object.keys(content)[0];
  const example = content[type].example;
  if (example === undefined) return { contentType: type, payload: type === 'application/json' ? '{}' : '' };
  return { contentType: type, payload: typeof example === 'string' ? example : JSON.stringify(example) };
}

/** The URL with each path parameter replaced (by `ids`, else the document's example, else a plausible id). */
function urlOf(o: V1Operation, ids: Record<string, string> = {}): string {
  let url = o.path;
  for (const p of (o.op.parameters ?? []) as Json[]) {
    if (p.in !== 'path') continue;
    url = url.replace(`{${p.name}}`, encodeURIComponent(ids[p.name] ?? p.example ?? 'x_0000000000000000'));
  }
  return url;
}

let address = 0;
/** Calls an operation with the example body; each call from its own address, so failed-auth throttling never interferes. */
async function call(o: V1Operation, headers: Record<string, string>, ids: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const body = exampleBody(o);
  address += 1;
  return t.app.inject({
    method: o.method,
    url: urlOf(o, ids),
    headers: { ...(body.contentType ? { 'content-type': body.contentType } : {}), ...headers },
    payload: body.payload,
    remoteAddress: `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
  });
}

/** The headers the document marks as required on this answer of the operation. */
function requiredHeaders(o: V1Operation, status: number): string[] {
  const declared = (o.op.responses?.[String(status)]?.headers ?? {}) as Record<string, Json>;
  return Object.entries(declared)
    .filter(([, h]) => (h.$ref ? doc.components.headers[String(h.$ref).split('/').pop() as string] : h).required === true)
    .map(([name]) => name);
}

/** A problem+json refusal: status, code, type, requestId, and every header the document requires on it. */
function expectProblem(o: V1Operation, res: LightMyRequestResponse, status: number, code: string): void {
  const where = `${o.name} (expected ${status} ${code})`;
  expect(res.statusCode, `${where}: got ${res.statusCode} ${res.body}`).toBe(status);
  expect(o.op.responses?.[String(status)], `${where}: status ${status} is not declared in the document`).toBeDefined();
  expect(String(res.headers['content-type']), `${where}: content-type`).toMatch(/^application\/problem\+json/);
  const body = res.json() as Json;
  expect(body, where).toMatchObject({ status, code, type: `/docs/errors#${code}`, requestId: res.headers['x-request-id'] });
  expect(typeof body.detail, `${where}: detail`).toBe('string');
  for (const name of requiredHeaders(o, status)) expect(res.headers[name.toLowerCase()], `${where}: required header ${name} missing`).toBeDefined();
}

/** A key's first purpose holding the permission (any purpose when there is none). */
const holder = (permission: Permission | undefined): Purpose => (permission ? MATRIX[permission][0] : 'flow_api');

describe('the security suite reads every /v1 operation from the served document', () => {
  it('finds the operations, checkout included, each keyed one naming a permission of the matrix', () => {
    expect(KEYED.length).toBeGreaterThanOrEqual(20);
    expect(KEYED.map((o) => o.name)).toEqual(expect.arrayContaining(['POST /v1/checkout/sessions', 'GET /v1/checkout/sessions/{id}']));
    for (const o of KEYED) {
      if (ANY_KEY.includes(o.name)) expect(o.permission, `${o.name} is callable by any key`).toBeUndefined();
      else expect(PERMISSIONS, `${o.name}: no **Permission:** in its description`).toContain(o.permission);
    }
    expect(OPEN.map((o) => o.name)).toEqual(['POST /v1/keys/revoke-leaked']);
  });
});

describe.each(KEYED.map((o) => [o.name, o] as const))('%s', (_name, o) => {
  let w: ApiWorld;
  let other: ApiWorld;
  let expired: string;
  let revoked: string;
  let unknown: string;
  beforeAll(async () => {
    ({ w, other, expired, revoked, unknown } = await world());
  });

  it('no key → 401 key_missing', async () => {
    expectProblem(o, await call(o, {}), 401, 'key_missing');
  });

  it('malformed key (checksum broken) → 401 key_malformed', async () => {
    const key = w.keys.flow_api;
    const broken = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expectProblem(o, await call(o, auth(broken)), 401, 'key_malformed');
    expectProblem(o, await call(o, { 'x-api-key': 'flow_nonsense' }), 401, 'key_malformed');
    expectProblem(o, await call(o, { authorization: `Basic ${key}` }), 401, 'key_malformed');
  });

  it('well-formed key unknown to the server → 401 key_invalid', async () => {
    expectProblem(o, await call(o, auth(unknown)), 401, 'key_invalid');
  });

  it('expired key → 401 key_expired', async () => {
    expectProblem(o, await call(o, auth(expired)), 401, 'key_expired');
  });

  it('revoked key → 401 key_revoked', async () => {
    expectProblem(o, await call(o, auth(revoked)), 401, 'key_revoked');
  });

  const denied = PURPOSES.filter((p) => o.permission !== undefined && !grants(p, o.permission));
  if (denied.length > 0) {
    it.each(denied)('wrong purpose %s → 403 permission_denied naming the permission', async (purpose) => {
      const res = await call(o, auth(w.keys[purpose]));
      expectProblem(o, res, 403, 'permission_denied');
      expect(res.json().detail, o.name).toContain(o.permission);
    });
  }

  if (denied.length > 0) {
    // README §Keys: the route's permission is checked before the per-key rate limit.
    it("a wrong-purpose call spends none of the key's quota", async () => {
      const key = w.keys[denied[0]];
      const remaining = async () => Number((await t.app.inject({ method: 'GET', url: '/v1/me', headers: auth(key) })).headers['ratelimit-remaining']);
      const before = await remaining();
      expect((await call(o, auth(key))).statusCode, o.name).toBe(403);
      expect(await remaining(), `${o.name}: RateLimit-Remaining after a 403`).toBe(before - 1);
    });
  }

  if (o.path.includes('{id}')) {
    it("another environment's object → 404 not_found (the owner's key reaches it)", async () => {
      const ids = { id: await ownedObject(o, w) };
      const purpose = holder(o.permission);
      expectProblem(o, await call(o, auth(other.keys[purpose]), ids), 404, 'not_found');
      const own = await call(o, auth(w.keys[purpose]), ids);
      expect(own.statusCode, `${o.name} with the owner's key: ${own.body}`).toBeGreaterThanOrEqual(200);
      expect(own.statusCode, `${o.name} with the owner's key: ${own.body}`).toBeLessThan(300);
    });
  }
});

describe.each(OPEN.map((o) => [o.name, o] as const))('%s (documented without a key)', (_name, o) => {
  it('answers without a key, and a bad key is not refused either', async () => {
    for (const headers of [{}, { authorization: 'Bearer flow_nonsense' }] as Array<Record<string, string>>) {
      const res = await call(o, headers);
      expect(res.statusCode, `${o.name}: ${res.body}`).toBeGreaterThanOrEqual(200);
      expect(res.statusCode, `${o.name}: ${res.body}`).toBeLessThan(300);
      for (const name of requiredHeaders(o, res.statusCode)) expect(res.headers[name.toLowerCase()], `${o.name}: header ${name}`).toBeDefined();
    }
  });
});

/* ---------- the world: two environments, and keys in every state, built once ---------- */

let built: Promise<{ w: ApiWorld; other: ApiWorld; expired: string; revoked: string; unknown: string }> | undefined;
function world() {
  built ??= (async () => {
    const w = await makeWorld(t);
    const other = await makeWorld(t, 'other');
    const now = t.clock.now().toISOString();
    t.clock.set('2025-01-01T10:00:00.000Z');
    const expired = (await t.deps.keys.create(w.env.id, { reference: 'suite expired', purpose: 'flow_api', expiresOn: '2025-02-01' }, SYSTEM_ACTOR)).key;
    t.clock.set(now);
    const gone = await t.deps.keys.create(w.env.id, { reference: 'suite revoked', purpose: 'flow_api', expiresOn: '2027-01-31' }, SYSTEM_ACTOR);
    await t.deps.keys.revoke(w.env.id, gone.view.id, SYSTEM_ACTOR);
    // Well-formed (shape and checksum), never issued.
    return { w, other, expired, revoked: gone.key, unknown: generateKey().key };
  })();
  return built;
}

let n = 0;
async function api(w: ApiWorld, method: 'GET' | 'POST', url: string, payload?: unknown, contentType = 'application/json') {
  const res = await t.app.inject({ method, url, headers: { ...auth(w.keys.flow_api), 'content-type': contentType }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as Json;
}

async function checkoutSession(w: ApiWorld): Promise<string> {
  const body = { membershipTypeId: w.typeId, siteId: w.siteId, customer: { firstName: 'Ada', lastName: 'Lovelace', email: `suite${++n}@example.com` }, successUrl: 'https://app.example.com/done', cancelUrl: 'https://app.example.com/cancelled' };
  return (await api(w, 'POST', '/v1/checkout/sessions', body)).id as string;
}

/**
 * A fresh object of environment A for an operation on `{id}`, chosen by the path up to `{id}`. A new
 * kind of `{id}` fails here, naming the path to add.
 */
const OWNED: Record<string, (w: ApiWorld) => Promise<string>> = {
  '/v1/members/{id}': async (w) => {
    const member = await api(w, 'POST', '/v1/members', { firstName: 'Suite', lastName: 'Member', email: `member${++n}@example.com` });
    await t.deps.memberships.create(w.env.id, { memberId: member.id, membershipTypeId: w.courseTypeId, status: 'active', startDate: '2026-01-01', pricePence: 100, source: 'test' }, SYSTEM_ACTOR);
    return member.id as string;
  },
  '/v1/memberships/{id}': async (w) =>
    (await t.deps.memberships.create(w.env.id, { memberId: w.memberId, membershipTypeId: w.typeId, status: 'active', startDate: '2026-01-01', pricePence: 100, source: 'test' }, SYSTEM_ACTOR)).id,
  '/v1/member-imports/{id}': async (w) => {
    const job = await api(w, 'POST', `/v1/member-imports?dryRun=true`, `first_name,last_name,email\nA,B,not-an-email${++n}\n`, 'text/csv');
    await expect.poll(async () => (await api(w, 'GET', `/v1/member-imports/${job.id}`)).status, { timeout: 10_000 }).toBe('succeeded');
    return job.id as string;
  },
  '/v1/checkout/sessions/{id}': checkoutSession,
  // An endpoint belongs to the key that made it: the key the suite calls with (the first purpose holding webhooks:manage).
  '/v1/webhook-endpoints/{id}': async (w) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: { ...auth(w.keys[holder('webhooks:manage')]), 'content-type': 'application/json' },
      payload: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['api_key.revoked'] }),
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as Json).id as string;
  },
  '/v1/checkout/test-provider/mandates/{id}': async (w) => {
    const id = await checkoutSession(w);
    const paid = await payByDirectDebit(t, id);
    expect(paid.statusCode, paid.body).toBe(303);
    return (await api(w, 'GET', `/v1/checkout/sessions/${id}`)).payment.mandateId as string;
  },
};

async function ownedObject(o: V1Operation, w: ApiWorld): Promise<string> {
  const kind = o.path.slice(0, o.path.indexOf('{id}') + 4);
  const make = OWNED[kind];
  expect(make, `${o.name}: the suite has no way to create a ${kind} object; add one to OWNED`).toBeDefined();
  return make(w);
}
