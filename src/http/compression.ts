import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCompress from '@fastify/compress';

/** Answers smaller than this go out as they are (a /v1/me body is ~300 bytes; a 100-member page ~43 KB). */
const COMPRESS_THRESHOLD = 1024;

/**
 * gzip/br for JSON, CSV and the docs above 1 KB. Not compressed:
 * - `Cache-Control: no-store` answers (a new key's secret, session tokens, access codes): a secret next to
 *   text the caller chose (the key's reference) is what BREACH-style length probing needs;
 * - routes marked `compress: false` get no compression hook at all: GET /v1/me, the hot path (its body is under
 *   the threshold anyway), and the hosted checkout pages (every page answer is no-store).
 * Request bodies are never decompressed: an import's 100 MiB bound is a bound on what the client sends.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  // Before the plugin's own onRoute hook: route options it reads, and the hook below placed ahead of its own.
  app.addHook('onRoute', (route) => {
    route.decompress = false;
    if (route.compress === false) return;
    const own = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [noCompressionForSecrets, ...own];
  });
  await app.register(fastifyCompress, { threshold: COMPRESS_THRESHOLD, encodings: ['br', 'gzip'] });
}

/** The plugin's off switch is a request header: set it when the answer must not be compressed (before the plugin's onSend). */
function noCompressionForSecrets(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void): void {
  const cc = reply.getHeader('cache-control');
  if (typeof cc === 'string' && cc.includes('no-store')) request.headers['x-no-compression'] = '1';
  done(null, payload);
}
