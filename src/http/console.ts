import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the built console lives (console/dist, beside src/ and dist/). */
const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

/** Serves the built console's assets; `sendConsole` answers a client-side route with index.html. */
export async function registerConsole(app: FastifyInstance): Promise<(reply: FastifyReply) => FastifyReply> {
  const index = path.join(CONSOLE_DIR, 'index.html');
  if (!fs.existsSync(index)) {
    return (reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><title>FLOW</title><p>The console is not built. Run <code>npm run build</code>.</p>');
  }
  await app.register(fastifyStatic, {
    root: path.join(CONSOLE_DIR, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  const html = fs.readFileSync(index);
  return (reply) => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(html);
}
