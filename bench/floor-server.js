// The floors of `npm run bench`: the least a server on this stack (Fastify 5, no logger, no plugins) can do for
// the same work as a product route, run as its own process on loopback beside the product.
//
//   node bench/floor-server.js <spec.json>   → prints {"base":"http://127.0.0.1:<port>"} once listening
//
// spec.kind:
//   me        GET /v1/me: SHA-256 of the presented key, one Map look-up, the same body (spec.key, spec.body) and the
//             contract's headers as constants (spec.headers); with spec.contractMinimum, also what the contract
//             requires of every /v1 answer (see below: spec.headers then holds the security headers only, and
//             spec.limit and spec.expiresAtMs describe the key)
//   members   GET /v1/members?limit=100: one prepared SELECT from the product's SQLite file, the rows as the API
//             shows them (the same body), JSON.stringify (spec.dbFile, spec.environmentId)
//   checkout  GET /checkout/:id: one prepared SELECT of the session by id, then the same HTML and response headers
//             (spec.dbFile, spec.html, spec.headers)
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import Fastify from 'fastify';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const app = Fastify({ logger: false });
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

if (spec.kind === 'me' && !spec.contractMinimum) {
  // The bare floor: every header a constant string, RateLimit-* and X-Request-Id included.
  const keys = new Map([[sha256(spec.key), spec.body]]);
  app.get('/v1/me', (request, reply) => {
    const auth = request.headers.authorization;
    const body = auth === undefined ? undefined : keys.get(sha256(auth.slice(7)));
    if (body === undefined) return reply.code(401).send({ error: 'unauthorised' });
    if (spec.headers) reply.headers(spec.headers);
    return reply.type('application/json; charset=utf-8').send(body);
  });
} else if (spec.kind === 'me') {
  // The contract's minimum, in the cheapest form this stack allows: what the bare floor sends as constants, or
  // skips, that the contract makes every /v1 answer do (the key format and the /v1 answers of the README):
  // - the key's shape and CRC-32 checksum (a malformed key is key_malformed, told apart from key_invalid
  //   without a look-up);
  // - the key's expiry and revocation (one comparison each, on the entry the Map look-up found);
  // - a real per-key rate limit: a fixed one-minute window counted per call, its limit, remaining and reset
  //   written into RateLimit-* (not a constant);
  // - a request id of its own per answer (X-Request-Id; the problem bodies carry it too): a prefix and a counter.
  // Not in it: the access line, metrics, usage counts, IP allow-lists, permissions (the product's own).
  const SHAPE = /^flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/;
  const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const base62 = (n) => {
    let out = '';
    for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) out = ALPHABET[n % 62] + out;
    return out;
  };
  const wellFormed = (key) => key.length === 56 && SHAPE.test(key) && base62(zlib.crc32(key.slice(0, 50)) >>> 0) === key.slice(50);
  const keys = new Map([[sha256(spec.key), { body: spec.body, expiresAtMs: spec.expiresAtMs, revoked: false, limit: spec.limit, count: 0, resetAt: 0 }]]);
  const prefix = 'req_' + randomBytes(6).toString('base64url');
  let n = 0;
  app.get('/v1/me', (request, reply) => {
    reply.header('x-request-id', prefix + (++n).toString(36));
    reply.headers(spec.headers);
    const auth = request.headers.authorization;
    const key = auth === undefined ? '' : auth.slice(7);
    if (!wellFormed(key)) return reply.code(401).send({ code: 'key_malformed' });
    const k = keys.get(sha256(key));
    const now = Date.now();
    if (k === undefined || k.revoked || now >= k.expiresAtMs) return reply.code(401).send({ code: 'key_invalid' });
    if (k.resetAt <= now) {
      k.count = 0;
      k.resetAt = Math.floor(now / 60_000) * 60_000 + 60_000;
    }
    k.count++;
    reply.header('ratelimit-limit', k.limit);
    reply.header('ratelimit-remaining', Math.max(0, k.limit - k.count));
    reply.header('ratelimit-reset', Math.max(1, Math.ceil((k.resetAt - now) / 1000)));
    if (k.count > k.limit) return reply.code(429).send({ code: 'rate_limited' });
    return reply.type('application/json; charset=utf-8').send(k.body);
  });
} else if (spec.kind === 'members') {
  // The product's body, byte for byte: the API's field names and order, the address nested, the external
  // references parsed, and the next page's cursor (so 101 rows are read, as the product does to know there is one);
  // only the columns the body shows.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(spec.dbFile, { readonly: true });
  const columns = 'id, member_number, first_name, last_name, email, date_of_birth, phone, address_line1, address_line2, town, postcode, home_site_id, marketing_opt_in, external_refs, created_at, updated_at';
  const page = db.prepare(`SELECT ${columns} FROM members WHERE environment_id = ? ORDER BY created_at, id LIMIT 101`);
  const view = (r) => ({
    id: r.id,
    memberNumber: r.member_number,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    dateOfBirth: r.date_of_birth,
    phone: r.phone,
    address: { line1: r.address_line1, line2: r.address_line2, town: r.town, postcode: r.postcode },
    homeSiteId: r.home_site_id,
    marketingOptIn: r.marketing_opt_in === 1,
    externalRefs: JSON.parse(r.external_refs),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  app.get('/v1/members', (_request, reply) => {
    const rows = page.all(spec.environmentId);
    const data = rows.slice(0, 100).map(view);
    const last = data[data.length - 1];
    const nextCursor = rows.length > 100 ? Buffer.from(JSON.stringify({ c: last.createdAt, i: last.id })).toString('base64url') : null;
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ data, nextCursor }));
  });
} else if (spec.kind === 'checkout') {
  // The page shows the session's current state, so even the least server must read it: one prepared SELECT
  // by id from the product's SQLite file (a missing session is a 404), then the same HTML and headers.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(spec.dbFile, { readonly: true });
  const session = db.prepare('SELECT * FROM checkout_sessions WHERE id = ?');
  app.get('/checkout/:id', (request, reply) => {
    if (session.get(request.params.id) === undefined) return reply.code(404).send('Not found');
    return reply.headers(spec.headers).type('text/html; charset=utf-8').send(spec.html);
  });
} else {
  throw new Error(`unknown floor ${spec.kind}`);
}

const base = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ base }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => app.close().then(() => process.exit(0)));
