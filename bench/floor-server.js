// The floors of `npm run bench`: the least a server on this stack (Fastify 5, no logger, no plugins) can do for
// the same work as a product route, run as its own process on loopback beside the product.
//
//   node bench/floor-server.js <spec.json>   → prints {"base":"http://127.0.0.1:<port>"} once listening
//
// spec.kind:
//   me        GET /v1/me: SHA-256 of the presented key, one Map look-up, the same body (spec.key, spec.body)
//   members   GET /v1/members: one prepared SELECT of 100 rows from the product's SQLite file, JSON.stringify
//             (spec.dbFile, spec.environmentId)
//   checkout  GET /checkout/:id: the same HTML, sent as it is (spec.html)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Fastify from 'fastify';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const app = Fastify({ logger: false });
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

if (spec.kind === 'me') {
  const keys = new Map([[sha256(spec.key), spec.body]]);
  app.get('/v1/me', (request, reply) => {
    const auth = request.headers.authorization;
    const body = auth === undefined ? undefined : keys.get(sha256(auth.slice(7)));
    if (body === undefined) return reply.code(401).send({ error: 'unauthorised' });
    if (spec.headers) reply.headers(spec.headers);
    return reply.type('application/json; charset=utf-8').send(body);
  });
} else if (spec.kind === 'members') {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(spec.dbFile, { readonly: true });
  const page = db.prepare('SELECT * FROM members WHERE environment_id = ? ORDER BY created_at, id LIMIT 100');
  app.get('/v1/members', (_request, reply) => {
    const rows = page.all(spec.environmentId);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ data: rows }));
  });
} else if (spec.kind === 'checkout') {
  app.get('/checkout/:id', (_request, reply) => reply.type('text/html; charset=utf-8').send(spec.html));
} else {
  throw new Error(`unknown floor ${spec.kind}`);
}

const base = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ base }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => app.close().then(() => process.exit(0)));
