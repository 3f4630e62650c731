import { ERROR_CODES, ERROR_STATUS, TITLES, type ErrorCode } from '../kernel/errors.js';
import { OPERATIONS, TAGS } from './operations.js';
import { openApiWebhooks } from '../webhooks/openapi-webhooks.js';

/* The OpenAPI documents, finished from what @fastify/swagger derives from the route schemas: everything
 * the server sends around the bodies (problem+json errors, rate-limit and other headers, the statuses
 * every route can answer) is declared here, in one place, from the same rules the server follows. */

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Json & { in: string; name: string; schema?: Json }>;
  requestBody?: { content: Record<string, Json>; required?: boolean };
  responses: Record<string, Json & { content?: Record<string, Json>; headers?: Record<string, Json> }>;
}
export interface OpenApiDocument extends Json {
  info: Json;
  paths: Record<string, Record<string, Operation>>;
  components: Json & { schemas?: Record<string, Json>; headers?: Record<string, Json> };
  tags?: Json[];
}

const PROBLEM_MEDIA = 'application/problem+json';

const HEADERS: Record<string, Json> = {
  'X-Request-Id': { description: 'The request’s id (also `requestId` in errors); quote it when asking for help.', schema: { type: 'string' } },
  'RateLimit-Limit': { description: 'Requests allowed per minute for this key (or, before a key is identified, for this address).', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
  ETag: { description: 'The version of the resource; send it as `If-Match` on a later PATCH.', schema: { type: 'string' } },
  Location: { description: 'The URL of the created resource or job.', schema: { type: 'string' } },
  'Idempotent-Replayed': { description: '`true` when the answer is a replay of an earlier request with the same `Idempotency-Key`.', schema: { type: 'string', enum: ['true'] } },
  'Content-Disposition': { description: 'Download file name of the report.', schema: { type: 'string' } },
  'Cache-Control': { description: '`no-store`: the answer holds a secret or a short-lived code and must not be cached.', schema: { type: 'string' } },
  'Set-Cookie': { description: 'The `flow_session` cookie (HttpOnly, SameSite=Strict).', schema: { type: 'string' } },
};

/** Statuses answered as problem+json: the contract's codes, grouped by the status each answers with. */
function codesFor(status: number): ErrorCode[] {
  return ERROR_CODES.filter((c) => ERROR_STATUS[c] === status);
}

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
const hdr = (name: string, required: boolean) => (required ? ref(name) : { ...HEADERS[name], required: false });

function opKind(path: string, op: Operation): 'v1-key' | 'v1-open' | 'admin-session' | 'admin-open' {
  const secured = (op.security ?? []).length > 0;
  if (path.startsWith('/v1/')) return secured ? 'v1-key' : 'v1-open';
  return secured ? 'admin-session' : 'admin-open';
}

function problemResponse(status: number, description: string | undefined, headers: Record<string, Json>): Json {
  const codes = codesFor(status);
  const code = codes[0];
  return {
    description: description && description !== 'Default Response' ? description : codes.map((c) => TITLES[c]).join(' / '),
    headers,
    content: {
      [PROBLEM_MEDIA]: {
        schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] },
        example: { type: `/docs/errors#${code}`, title: TITLES[code], status, detail: TITLES[code], code, requestId: 'req_Xk2p9QaB1c' },
      },
    },
  };
}

const IMPORT_ROW: Json = {
  type: 'object',
  description: 'One member: flat keys (as in the CSV header, camelCased or not) or the Member shape.',
  properties: Object.fromEntries(
    ['firstName', 'lastName', 'email', 'memberNumber', 'dateOfBirth', 'phone', 'addressLine1', 'addressLine2', 'town', 'postcode', 'homeSiteId', 'externalSystem', 'externalId'].map((f) => [f, { type: 'string' }]),
  ),
  additionalProperties: true,
};
const IMPORT_EXAMPLE = [
  { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com', memberNumber: 'D200001', homeSiteId: 'site_Demo000000000001' },
  { firstName: 'Alan', lastName: 'Turing', email: 'alan.turing@example.com', memberNumber: 'D200002', homeSiteId: 'site_Demo000000000002' },
];
const IMPORT_BODY = {
  required: true,
  content: {
    'text/csv': {
      schema: { type: 'string', description: 'A header line, then one member per line.' },
      example: 'first_name,last_name,email,member_number,home_site_id\nAda,Lovelace,ada.lovelace@example.com,D200001,site_Demo000000000001\nAlan,Turing,alan.turing@example.com,D200002,site_Demo000000000002\n',
    },
    'application/json': { schema: { type: 'array', items: IMPORT_ROW }, example: IMPORT_EXAMPLE },
    'application/x-ndjson': {
      schema: { type: 'string', description: 'One JSON member object per line.' },
      example: IMPORT_EXAMPLE.map((r) => JSON.stringify(r)).join('\n') + '\n',
    },
  },
};
const LOGO_BODY = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'PNG, JPEG, WebP or SVG, at most 1 MiB' } } },
    },
  },
};
const CSV_REPORT = {
  'text/csv': {
    schema: { type: 'string', description: 'row,field,reason,value — one line per rejected row' },
    example: 'row,field,reason,value\n3,email,must be an email address,not-an-email\n',
  },
};

/** Finishes one operation in place. */
function finishOperation(path: string, method: string, op: Operation): void {
  const key = `${method.toUpperCase()} ${path}`;
  const doc = OPERATIONS[key];
  op.operationId = doc?.id ?? `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
  if (doc?.tags) op.tags = doc.tags;
  const kind = opKind(path, op);
  if (kind === 'v1-open' || kind === 'admin-open') op.security = [];

  if (key === 'POST /v1/member-imports') op.requestBody = IMPORT_BODY;
  if (key === 'POST /admin/v1/logos') op.requestBody = LOGO_BODY;
  if (doc?.example !== undefined && op.requestBody?.content['application/json']) op.requestBody.content['application/json'].example = doc.example;
  for (const p of op.parameters ?? []) {
    if (p.in === 'path' && doc?.params?.[p.name]) p.example = doc.params[p.name];
  }

  // The statuses any such operation can answer, whatever its route lists.
  const statuses = new Set(Object.keys(op.responses).map(Number));
  const takesBody = method === 'post' || method === 'patch' || method === 'put';
  if (takesBody || (op.parameters ?? []).length > 0) statuses.add(400);
  if (takesBody) [413, 415].forEach((s) => statuses.add(s));
  if (path.includes('{')) statuses.add(404);
  if (kind === 'v1-key') [401, 403, 429].forEach((s) => statuses.add(s));
  if (kind === 'admin-session') statuses.add(401);
  if (kind === 'admin-session' && method !== 'get') statuses.add(403);
  [500, 503].forEach((s) => statuses.add(s));

  const v1 = path.startsWith('/v1/');
  const responses: Operation['responses'] = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const given = op.responses[String(status)];
    const server = status >= 500;
    const headers: Record<string, Json> = { 'X-Request-Id': ref('X-Request-Id') };
    // The rate-limit headers come from the /v1 gate; a 5xx may be answered before it counted the call.
    if (v1) for (const h of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) headers[h] = hdr(h, !server);
    if (status === 429) headers['Retry-After'] = ref('Retry-After');
    if (status === 503) headers['Retry-After'] = hdr('Retry-After', false);
    for (const [h, required] of Object.entries(doc?.headers?.[status] ?? {})) headers[h] = hdr(h, required);
    if (status >= 400) {
      responses[String(status)] = problemResponse(status, given?.description as string | undefined, headers);
      continue;
    }
    const response: Json & { content?: Record<string, Json> } = { ...given, headers: { ...(given?.headers ?? {}), ...headers } };
    if (response.description === 'Default Response') response.description = status === 201 ? 'Created' : status === 202 ? 'Accepted' : status === 204 ? 'No content' : 'OK';
    if (key === 'GET /v1/member-imports/{id}/errors' && status === 200) response.content = CSV_REPORT;
    responses[String(status)] = response;
  }
  op.responses = responses;
}

/** Every `$ref` target under a value. */
function refsIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** Drops the components no path reaches (a part document holds only what its operations use). */
function prune(doc: OpenApiDocument): void {
  const reached = new Set<string>();
  let frontier = refsIn(doc.paths, new Set());
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const r of frontier) {
      if (reached.has(r)) continue;
      reached.add(r);
      const [, section, name] = r.split('/').slice(1);
      const target = (doc.components[section] as Record<string, unknown> | undefined)?.[decodeURIComponent(name)];
      refsIn(target, next);
    }
    frontier = next;
  }
  for (const section of ['schemas', 'headers'] as const) {
    const all = doc.components[section];
    if (!all) continue;
    for (const name of Object.keys(all)) if (!reached.has(`#/components/${section}/${name}`)) delete all[name];
  }
  const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
  const schemes = new Set(ops.flatMap((op) => (op.security ?? []).flatMap((req) => Object.keys(req))));
  const security = doc.components.securitySchemes as Record<string, unknown> | undefined;
  for (const name of Object.keys(security ?? {})) if (!schemes.has(name)) delete security?.[name];
  const used = new Set(ops.flatMap((op) => op.tags ?? []));
  doc.tags = (doc.tags ?? []).filter((t) => used.has(String(t.name)));
  if (doc['x-tagGroups']) {
    doc['x-tagGroups'] = (doc['x-tagGroups'] as Array<{ name: string; tags: string[] }>)
      .map((g) => ({ ...g, tags: g.tags.filter((t) => used.has(t)) }))
      .filter((g) => g.tags.length > 0);
  }
}

export interface ApiDocuments {
  /** /openapi.json: the whole contract, /v1 and /admin/v1, grouped by x-tagGroups. */
  all: OpenApiDocument;
  /** The default /docs view: /v1 without the test provider. */
  public: OpenApiDocument;
  admin: OpenApiDocument;
  /** Only while the built-in test payment provider is in use. */
  testProvider?: OpenApiDocument;
}

const isTestProvider = (path: string) => path.startsWith('/v1/checkout/test-provider/');

/** The finished documents, from @fastify/swagger's output (not modified). */
export function buildDocuments(generated: Json, opts: { testProvider: boolean }): ApiDocuments {
  const all = structuredClone(generated) as OpenApiDocument;
  for (const [path, item] of Object.entries(all.paths)) {
    if (isTestProvider(path) && !opts.testProvider) {
      delete all.paths[path];
      continue;
    }
    for (const [method, op] of Object.entries(item)) finishOperation(path, method, op);
  }
  all.components.headers = Object.fromEntries(Object.entries(HEADERS).map(([k, v]) => [k, { ...v, required: true }]));
  all.tags = TAGS.map(({ name, description }) => ({ name, description }));
  const groups = ['Public API', 'Admin API', 'Test payment provider'] as const;
  all['x-tagGroups'] = groups.map((g) => ({ name: g, tags: TAGS.filter((t) => t.group === g).map((t) => t.name) }));
  prune(all);

  const part = (title: string, keep: (path: string) => boolean): OpenApiDocument => {
    const doc = structuredClone(all);
    doc.info = { ...doc.info, title };
    doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => keep(p)));
    delete doc['x-tagGroups'];
    prune(doc);
    return doc;
  };
  const publicDoc = part('FLOW public API', (p) => p.startsWith('/v1/') && !isTestProvider(p));
  // The events the API pushes (CONTRACT §8), in both documents that describe /v1.
  all.webhooks = openApiWebhooks();
  publicDoc.webhooks = openApiWebhooks();
  return {
    all,
    public: publicDoc,
    admin: part('FLOW admin API (staff console)', (p) => p.startsWith('/admin/')),
    testProvider: opts.testProvider ? part('FLOW test payment provider', isTestProvider) : undefined,
  };
}

/** A document with `servers` for the base URL the caller reached (FLOW_PUBLIC_URL when set). */
export function withServers(doc: OpenApiDocument, baseUrl: string): OpenApiDocument {
  return { ...doc, servers: [{ url: baseUrl, description: 'This server' }] };
}
