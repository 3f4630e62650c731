import type { FastifyRequest } from 'fastify';
import { SCANNER_PATTERN } from '../kernel/key-format.js';

/** Header paths pino replaces before writing a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Replaces anything shaped like a key with its redacted form. */
function redactSecrets(text: string): string {
  return text.replace(SCANNER_PATTERN, (k) => `${k.slice(0, 18)}_…${k.slice(-4)}`);
}

/** Request serializer that never writes a key, even one a client put in the URL. */
export const logSerializers = {
  req(req: FastifyRequest) {
    return { method: req.method, url: redactSecrets(req.url), ip: req.ip, id: req.id };
  },
};
