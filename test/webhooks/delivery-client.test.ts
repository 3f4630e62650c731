import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isForbiddenAddress, urlProblem, type Resolve } from '../../src/webhooks/address-guard.js';
import { createDeliveryClient } from '../../src/webhooks/delivery-client.js';

const servers: Array<http.Server | net.Server> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen<T extends http.Server | net.Server>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const resolveTo = (...addresses: string[]): Resolve => async () => addresses.map((a) => ({ address: a, family: net.isIPv6(a) ? 6 : 4 }));

describe('the SSRF address guard', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.5', '100.64.0.1', '100.127.255.254', '0.0.0.0',
    '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'fd00:ec2::254',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:192.168.0.1', '64:ff9b::10.0.0.1', '::127.0.0.1', '224.0.0.1', '255.255.255.255',
  ])('refuses %s', (a) => expect(isForbiddenAddress(a)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4009:81f::200e'])('allows %s', (a) =>
    expect(isForbiddenAddress(a)).toBe(false),
  );

  it('URLs: https only; the host must resolve to public addresses only; the private flag lifts both rules', async () => {
    const pub = { allowPrivate: false, resolve: resolveTo('93.184.216.34') };
    expect(await urlProblem('https://hooks.example.com/x', pub)).toBeUndefined();
    expect(await urlProblem('http://hooks.example.com/x', pub)).toBe('must start with https://');
    expect(await urlProblem('ftp://hooks.example.com/x', pub)).toBe('must start with https://');
    expect(await urlProblem('not a url', pub)).toBe('is not a valid URL');
    expect(await urlProblem('https://user:pw@hooks.example.com/', pub)).toMatch(/user name/);
    expect(await urlProblem('https://127.0.0.1/x', pub)).toMatch(/loopback, private/);
    expect(await urlProblem('https://[::ffff:169.254.169.254]/x', pub)).toMatch(/loopback, private/);
    expect(await urlProblem('https://metadata.internal/x', { allowPrivate: false, resolve: resolveTo('93.184.216.34', '169.254.169.254') })).toMatch(/resolve to a loopback/);
    expect(await urlProblem('https://nowhere.invalid/x', { allowPrivate: false, resolve: async () => Promise.reject(new Error('ENOTFOUND')) })).toMatch(/does not resolve/);
    expect(await urlProblem('http://127.0.0.1:9/x', { allowPrivate: true })).toBeUndefined();
  });
});

describe('the delivery client', () => {
  it('checks again at connect time: a host that now resolves to 127.0.0.1 (DNS rebinding) is never connected to', async () => {
    let connections = 0;
    const port = await listen(net.createServer((s) => {
      connections++;
      s.destroy();
    }));
    let calls = 0;
    const rebinding: Resolve = async () => [{ address: ++calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    expect(await urlProblem(`https://rebind.example:${port}/hook`, { allowPrivate: false, resolve: rebinding })).toBeUndefined();
    const send = createDeliveryClient({ allowPrivate: false, resolve: rebinding });
    const r = await send(`https://rebind.example:${port}/hook`, { 'content-type': 'application/json' }, '{}');
    expect(r.statusCode).toBeNull();
    expect(r.error).toMatch(/^refused: rebind.example resolves to 127.0.0.1/);
    expect(calls).toBe(2);
    expect(connections).toBe(0);
  });

  it('refuses http:// and private IP literals without the flag, before any connection', async () => {
    let hits = 0;
    const port = await listen(http.createServer((_q, s) => void (hits++, s.end('ok'))));
    const send = createDeliveryClient({ allowPrivate: false });
    expect((await send(`http://127.0.0.1:${port}/`, {}, '{}')).error).toBe('refused: the URL is not https://');
    expect((await send(`https://127.0.0.1:${port}/`, {}, '{}')).error).toMatch(/^refused: 127.0.0.1 is a loopback/);
    expect((await send(`https://[::ffff:127.0.0.1]:${port}/`, {}, '{}')).error).toMatch(/^refused/);
    expect(hits).toBe(0);
  });

  it('posts the body with the headers; does not follow redirects; reads at most 64 KB and keeps 1 KB', async () => {
    const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    let bigFinished: boolean | undefined;
    const port = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push({ url: req.url ?? '', headers: req.headers, body });
          if (req.url === '/redirect') return void res.writeHead(307, { location: '/elsewhere' }).end();
          if (req.url === '/big') {
            res.writeHead(200);
            res.on('close', () => (bigFinished = res.writableFinished));
            // 64 MB (more than loopback socket buffers hold), written in chunks: the client stops reading after 64 KB.
            let sent = 0;
            const more = () => {
              while (sent < 64 * 1024 * 1024) {
                sent += 16 * 1024;
                if (!res.write('x'.repeat(16 * 1024))) return void res.once('drain', more);
              }
              res.end();
            };
            return more();
          }
          res.writeHead(204).end();
        });
      }),
    );
    const send = createDeliveryClient({ allowPrivate: true });
    const ok = await send(`http://127.0.0.1:${port}/hook`, { 'content-type': 'application/json', 'webhook-id': 'evt_1' }, '{"a":1}');
    expect(ok).toMatchObject({ statusCode: 204, error: null, body: '' });
    expect(seen[0]).toMatchObject({ url: '/hook', body: '{"a":1}' });
    expect(seen[0].headers['webhook-id']).toBe('evt_1');
    expect(seen[0].headers['content-type']).toBe('application/json');

    const redirected = await send(`http://127.0.0.1:${port}/redirect`, {}, '{}');
    expect(redirected.statusCode).toBe(307);
    expect(seen.map((s) => s.url)).not.toContain('/elsewhere');

    const big = await send(`http://127.0.0.1:${port}/big`, {}, '{}');
    expect(big.statusCode).toBe(200);
    expect(big.body).toBe('x'.repeat(1024));
    // The client hung up long before the 64 MB were written.
    await expect.poll(() => bigFinished).toBe(false);
  });

  it('gives up when no answer comes within the timeout', async () => {
    const port = await listen(http.createServer(() => undefined)); // never answers
    const send = createDeliveryClient({ allowPrivate: true, timeoutMs: 300 });
    const r = await send(`http://127.0.0.1:${port}/slow`, {}, '{}');
    expect(r.statusCode).toBeNull();
    expect(r.error).toBe('no answer within 0.3 s');
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
    expect(r.durationMs).toBeLessThan(2000);
  });
});
