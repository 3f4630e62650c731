import type { FastifyRequest } from 'fastify';
import type { Actor } from './audit.service.js';

/** The audit actor of a /v1 call: the API key (its reference as label, never the secret). */
export function keyActor(request: FastifyRequest): Actor {
  return { type: 'api_key', id: request.apiKey.id, label: request.apiKey.reference, ip: request.ip };
}
