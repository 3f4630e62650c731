import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** One request the receiver got, and whether its Standard Webhooks signature verified. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; data: { object: Record<string, unknown> } };
  verified: boolean;
}

/** Verifies a delivery as an integrator would, from the specification (not with the server's code). */
export function verifySignature(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`).digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((s) => {
      const [v, sig] = s.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return v === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/**
 * A real local HTTP receiver (http://127.0.0.1:<port>, allowed by FLOW_WEBHOOK_ALLOW_PRIVATE=true).
 * `answer` decides the status of each request (default 200); `secrets` maps a path to the secret it verifies with.
 */
export async function startReceiver() {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  let answer: (r: Received) => number | Promise<number> = () => 200;
  // Requests open right now, per webhook-id: a second one while the first is open is a concurrent duplicate.
  const open = new Map<string, number>();
  const stats = { concurrentDuplicates: 0, inFlight: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      const path = req.url ?? '/';
      const secret = secrets.get(path);
      const r: Received = { path, headers: req.headers, body, json: JSON.parse(body) as Received['json'], verified: secret !== undefined && verifySignature(secret, req.headers, body) };
      received.push(r);
      const id = String(req.headers['webhook-id']);
      if ((open.get(id) ?? 0) > 0) stats.concurrentDuplicates++;
      open.set(id, (open.get(id) ?? 0) + 1);
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      const status = await answer(r);
      stats.inFlight--;
      open.set(id, open.get(id)! - 1);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    secrets,
    /** Concurrent duplicates (same webhook-id open twice at once) and the most requests open at once. */
    stats,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    setAnswer(fn: typeof answer) {
      answer = fn;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
