import { Ajv, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function ajv(options: Options): Ajv {
  const a = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  (ajvFormats as unknown as (a: Ajv) => void)(a);
  return a;
}

/**
 * Request validation: JSON bodies are taken as sent (no type coercion: `5` is not a string, `null` is not
 * `""`), while query strings, params and headers — always text on the wire — are coerced to their schema types.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = ajv({ coerceTypes: false });
  const coercing = ajv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
}
