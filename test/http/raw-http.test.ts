import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildTestApp, type TestApp } from '../helpers.js';

// Real sockets on loopback, writing bytes no HTTP client library would send: Node's parser refuses them
// before Fastify sees a request, and those answers must still be problem+json with a contract code.

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection. */
  closed: boolean;
}

/** Writes `chunks` (the last one is left hanging if `stall`), then reads until the server closes or answers. */
function raw(port: number, chunks: (string | Buffer)[], opts: { waitForClose?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const data: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      const text = Buffer.concat(data).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = rest.join('\r\n\r\n');
      // Without waitForClose, one complete answer is enough.
      if (!closed && (opts.waitForClose || !headers['content-length'] || Buffer.byteLength(body) < Number(headers['content-length']))) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closed });
    };
    socket.on('data', (d) => {
      data.push(d);
      finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? finish(true) : reject(err)));
    socket.on('connect', () => chunks.forEach((c) => socket.write(c)));
  });
}

function expectProblem(a: RawAnswer, status: number, code: string, path: string) {
  expect(a.status, JSON.stringify(a)).toBe(status);
  expect(a.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = JSON.parse(a.body);
  expect(body).toMatchObject({ status, code, requestId: expect.stringMatching(/^req_/), errors: [{ path }] });
  expect(a.headers['x-request-id']).toBe(body.requestId);
}

describe('malformed HTTP on a real socket answers problem+json', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp({ seedAdmin: false });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => t.close());

  it('a 20 KB header: 431 payload_too_large naming the headers', async () => {
    expectProblem(await raw(port, [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'payload_too_large', 'headers');
  });

  it.each([
    ['a NUL in a header value', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n', 'headers'],
    ['a non-numeric Content-Length', 'POST /v1/keys/revoke-leaked HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}', 'headers.content-length'],
    ['two different Content-Lengths', 'POST /v1/keys/revoke-leaked HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 'headers.content-length'],
    ['Content-Length with Transfer-Encoding', 'POST /v1/keys/revoke-leaked HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 'headers.transfer-encoding'],
    ['a bad chunk size', 'POST /v1/keys/revoke-leaked HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 'body'],
    ['a space in the method', 'GE T /health HTTP/1.1\r\nHost: x\r\n\r\n', 'method'],
  ])('%s: 400 validation_failed naming the field', async (_name, request, path) => {
    expectProblem(await raw(port, [request]), 400, 'validation_failed', path);
  });
});

describe('stalled requests and idle connections are closed', () => {
  let t: TestApp;
  let port: number;
  // Short deadlines so the test takes a couple of seconds; production defaults are 60 s / 15 s / 5 s.
  beforeAll(async () => {
    t = await buildTestApp({ seedAdmin: false, config: { requestTimeoutMs: 1_000, headersTimeoutMs: 500, keepAliveTimeoutMs: 1_000 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => t.close());

  it('a body that stops half-way is answered 408 problem+json and the connection closed', async () => {
    const head = 'POST /v1/keys/revoke-leaked HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const a = await raw(port, [head, '{"keys": ["flow_'], { waitForClose: true });
    expect(a.closed).toBe(true);
    expectProblem(a, 408, 'validation_failed', 'body');
  }, 15_000);

  it('headers that never finish are answered 408 and the connection closed', async () => {
    const a = await raw(port, ['GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '], { waitForClose: true });
    expect(a.closed).toBe(true);
    expectProblem(a, 408, 'validation_failed', 'body');
  }, 15_000);

  it('an idle keep-alive connection is closed after its answer', async () => {
    const a = await raw(port, ['GET /health HTTP/1.1\r\nHost: x\r\n\r\n'], { waitForClose: true });
    expect(a.status).toBe(200);
    expect(a.closed).toBe(true);
  }, 15_000);
});

describe('timeout configuration', () => {
  it('defaults to 60 s per request, 15 s for headers, 5 s keep-alive, and refuses bad values naming the variable', () => {
    expect(loadConfig({})).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000 });
    // The headers' deadline never exceeds the request's (Node refuses that).
    expect(loadConfig({ FLOW_REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({ requestTimeoutMs: 5_000, headersTimeoutMs: 5_000 });
    for (const [name, value] of [['FLOW_REQUEST_TIMEOUT_MS', '0'], ['FLOW_REQUEST_TIMEOUT_MS', '30s'], ['FLOW_KEEP_ALIVE_TIMEOUT_MS', '-1']]) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    }
  });
});
