import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { buildTestApp, demoEnvId, type TestApp } from '../helpers.js';

// Which header carries the key, when a client (or a proxy in front of it) sends more than one: the gate
// must refuse an ambiguous request, never verify one of the keys and ignore the other.

/** GET /v1/me over a real socket with the given header lines (duplicates included); status and body. */
function rawGet(port: number, headerLines: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headerLines.map((l) => l + '\r\n').join('')}\r\n`));
    const data: Buffer[] = [];
    socket.on('data', (d) => data.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(data).toString();
      resolve({ status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('API key headers', () => {
  let t: TestApp;
  let key: string;
  let other: string;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    const envId = await demoEnvId(t);
    const make = async (reference: string) => (await t.deps.keys.create(envId, { reference, purpose: 'flow_api', expiresOn: '2026-12-31' }, SYSTEM_ACTOR)).key;
    key = await make('Main');
    other = await make('Other');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => t.close());

  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/me', headers });

  it('refuses Authorization and X-API-Key carrying different keys with 400 naming both, whichever is valid', async () => {
    for (const [a, b] of [[key, other], [key, 'flow_not_a_key'], ['flow_not_a_key', key]]) {
      const res = await me({ authorization: `Bearer ${a}`, 'x-api-key': b });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'headers.authorization' }, { path: 'headers.x-api-key' }] });
      expect(res.body).not.toContain(key.slice(18));
    }
  });

  it('accepts the same key in both headers', async () => {
    expect((await me({ authorization: `Bearer ${key}`, 'x-api-key': key })).statusCode).toBe(200);
  });

  it.each([
    ['odd-case scheme', () => `bEaReR ${key}`],
    ['extra spaces after the scheme', () => `Bearer    ${key}`],
    ['a bare key without a scheme', () => key],
  ])('accepts Authorization with %s', async (_name, value) => {
    const res = await me({ authorization: value() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().key.reference).toBe('Main');
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from(`user:${key}`).toString('base64')}`],
    ['the scheme glued to the key', () => `Bearer${key}`],
  ])('refuses Authorization with %s as a malformed key', async (_name, value) => {
    const res = await me({ authorization: value() });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('key_malformed');
  });

  it('an empty Authorization header falls back to X-API-Key', async () => {
    expect((await me({ authorization: '', 'x-api-key': key })).statusCode).toBe(200);
  });

  it('refuses two Authorization headers (Node would keep only the first) with 400, even when the first is valid', async () => {
    for (const lines of [[`Authorization: Bearer ${key}`, `Authorization: Bearer ${other}`], [`Authorization: Bearer ${key}`, `Authorization: Bearer ${key}`]]) {
      const res = await rawGet(port, lines);
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_failed', errors: [{ path: 'headers.authorization', message: 'was sent more than once' }] });
    }
  });

  it('refuses two X-API-Key headers (Node would join them) with 400 naming the header', async () => {
    const res = await rawGet(port, [`X-API-Key: ${key}`, `X-API-Key: ${other}`]);
    expect(res.status, res.body).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_failed', errors: [{ path: 'headers.x-api-key' }] });
  });

  it('documents the decisions in the OpenAPI security description', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    expect(doc.info.description).toMatch(/different keys.*400/s);
    expect(doc.components.securitySchemes.bearer.description).toMatch(/bare key/);
  });
});
