import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, capturedLogs, type TestApp } from '../helpers.js';

/** The log lines written since `mark`, parsed (access lines leave once per turn of the event loop). */
async function linesSince(mark: number): Promise<Array<Record<string, unknown>>> {
  await new Promise((resolve) => setImmediate(resolve));
  return capturedLogs
    .slice(mark)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('access log: one line per request', () => {
  let t: TestApp;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    t = await buildTestApp({
      v1Routes: (v1) => {
        v1.get('/boom', { config: { permission: 'members:read' } }, async () => {
          throw new Error('kaput');
        });
      },
    });
    const env = await t.deps.environments.get('demo');
    const created = await t.deps.keys.create(env.id, { reference: 'log test', purpose: 'flow_api', expiresOn: '2027-01-01' }, { type: 'system', id: null, label: 'test', ip: null });
    key = created.key;
    keyId = created.view.id;
  });
  afterAll(() => t.close());

  it('writes method, route, URL, status, duration, key id and request id, and never the key', async () => {
    const mark = capturedLogs.length;
    const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    const lines = await linesSince(mark);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 30, msg: 'request', method: 'GET', route: '/v1/me', url: '/v1/me', status: 200, key: keyId, reqId: res.headers['x-request-id'] });
    expect(typeof line.ms).toBe('number');
    expect(typeof line.time).toBe('number');
    expect(line.pid).toBe(process.pid);
    expect(JSON.stringify(lines)).not.toContain(key);
  });

  it('redacts a key a client put in the URL, and names no route for an unknown path', async () => {
    const mark = capturedLogs.length;
    const res = await t.app.inject({ method: 'GET', url: `/v1/nowhere?key=${key}&q="quoted"`, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(404);
    const lines = await linesSince(mark);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 404, method: 'GET', key: keyId });
    expect(lines[0].route).toBeUndefined();
    expect(lines[0].url).toMatch(/^\/v1\/nowhere\?key=flow_\w{12}__…\w{4}&q=%22quoted%22$/);
    expect(capturedLogs.slice(mark).join('')).not.toContain(key);
  });

  it('logs a refused call without a key id, and an unhandled error with the request id of its answer', async () => {
    let mark = capturedLogs.length;
    const refused = await t.app.inject({ method: 'GET', url: '/v1/me' });
    expect(refused.statusCode).toBe(401);
    const refusedLines = await linesSince(mark);
    expect(refusedLines).toEqual([expect.objectContaining({ status: 401, route: '/v1/me' })]);
    expect(refusedLines[0].key).toBeUndefined();

    mark = capturedLogs.length;
    const failed = await t.app.inject({ method: 'GET', url: '/v1/boom', headers: { authorization: `Bearer ${key}` } });
    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain('kaput');
    const lines = await linesSince(mark);
    const error = lines.find((l) => l.msg === 'unhandled error');
    expect(error).toMatchObject({ level: 50, reqId: failed.headers['x-request-id'] });
    expect(lines.filter((l) => l.msg === 'request')).toEqual([expect.objectContaining({ status: 500, route: '/v1/boom', reqId: failed.headers['x-request-id'] })]);
  });

  it('writes no access line when the level is above info', async () => {
    const quiet = await buildTestApp({ config: { logLevel: 'warn' }, seedAdmin: false });
    try {
      const mark = capturedLogs.length;
      expect((await quiet.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect(await linesSince(mark)).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});
