import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { surface } from './surface.js';

/** Where the built console lives (console/dist, beside src/ and dist/). */
const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

/**
 * Serves the built console's assets under /assets (a surface of its own: a missing asset is a 404, never the
 * console page); `sendConsole` answers a client-side route with index.html.
 */
export async function registerConsole(app: FastifyInstance, headers: Record<string, string>): Promise<(reply: FastifyReply) => FastifyReply> {
  const index = path.join(CONSOLE_DIR, 'index.html');
  const built = fs.existsSync(index);
  const assets = async (a: FastifyInstance) => {
    await a.register(fastifyStatic, { root: path.join(CONSOLE_DIR, 'assets'), prefix: '/', immutable: true, maxAge: '365d', index: false });
  };
  await app.register(surface({ headers, routes: built ? [assets] : [] }), { prefix: '/assets' });
  if (!built) {
    return (reply) =>
      reply.headers(headers).type('text/html; charset=utf-8').send('<!doctype html><title>FLOW</title><p>The console is not built. Run <code>npm run build</code>.</p>');
  }
  const html = fs.readFileSync(index);
  return (reply) => reply.headers(headers).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(html);
}
