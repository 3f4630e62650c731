import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ForbiddenAddressError, guardedLookup, isForbiddenAddress, systemResolve, type Resolve } from './address-guard.js';

/** What one delivery attempt got: the status (null when no answer), the first 1 KB of the answer, or why it failed. */
export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  body: string;
  error: string | null;
}

export interface DeliveryClientOptions {
  /** FLOW_WEBHOOK_ALLOW_PRIVATE: http:// and private addresses allowed. */
  allowPrivate: boolean;
  timeoutMs?: number;
  /** Bytes of the answer read at most (the rest is not read: the socket is closed). */
  maxReadBytes?: number;
  /** Bytes of the answer kept for the attempt log. */
  keepBytes?: number;
  /** The resolver (tests replace it to prove DNS rebinding is caught). */
  resolve?: Resolve;
}

export type DeliveryClient = (url: string, headers: Record<string, string>, body: string) => Promise<AttemptResult>;

/**
 * The SSRF-safe POST of a webhook: https only, the host resolved and its addresses checked at connect
 * time (custom lookup) and IP literals checked before, redirects never followed (a 3xx is just a failed
 * attempt), one deadline for the whole exchange, the answer read up to 64 KB and its first 1 KB kept.
 */
export function createDeliveryClient(opts: DeliveryClientOptions): DeliveryClient {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxRead = opts.maxReadBytes ?? 64 * 1024;
  const keep = opts.keepBytes ?? 1024;
  const lookup = opts.allowPrivate ? undefined : guardedLookup(opts.resolve ?? systemResolve);
  return (rawUrl, headers, body) => {
    const started = performance.now();
    const done = (statusCode: number | null, answer: Buffer, error: string | null): AttemptResult => ({
      statusCode,
      durationMs: Math.round(performance.now() - started),
      body: answer.subarray(0, keep).toString('utf8'),
      error,
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(done(null, Buffer.alloc(0), 'invalid URL'));
    }
    const secure = url.protocol === 'https:';
    if (!secure && !(opts.allowPrivate && url.protocol === 'http:')) return Promise.resolve(done(null, Buffer.alloc(0), 'refused: the URL is not https://'));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && net.isIP(host) && isForbiddenAddress(host)) {
      return Promise.resolve(done(null, Buffer.alloc(0), `refused: ${host} is a loopback, private, link-local or metadata address`));
    }
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const chunks: Buffer[] = [];
      let read = 0;
      const finish = (r: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const request = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'FLOW-Webhooks/1', connection: 'close' },
          agent: false,
          lookup,
        },
        (res) => {
          const status = res.statusCode ?? null;
          res.on('data', (chunk: Buffer) => {
            if (read < maxRead) chunks.push(chunk.subarray(0, maxRead - read));
            read += chunk.length;
            if (read >= maxRead) {
              finish(done(status, Buffer.concat(chunks), null));
              res.destroy();
            }
          });
          res.on('end', () => finish(done(status, Buffer.concat(chunks), null)));
          res.on('error', () => finish(done(status, Buffer.concat(chunks), null)));
          res.on('close', () => finish(done(status, Buffer.concat(chunks), null)));
        },
      );
      const timer = setTimeout(() => {
        finish(done(null, Buffer.concat(chunks), `no answer within ${timeoutMs / 1000} s`));
        request.destroy();
      }, timeoutMs);
      request.on('error', (err: Error) => {
        const msg = err instanceof ForbiddenAddressError ? `refused: ${err.message}` : (err as NodeJS.ErrnoException).code ?? err.message;
        finish(done(null, Buffer.concat(chunks), msg));
      });
      request.end(body);
    });
  };
}
