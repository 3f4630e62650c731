import { Ajv, type ErrorObject, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../kernel/errors.js';
import { EMAIL_PATTERN } from '../kernel/rules/email.js';

function ajv(options: Options): Ajv {
  const a = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  (ajvFormats as unknown as (a: Ajv) => void)(a);
  // `format: email` is the members' email rule, the same the import, the checkout form and staff accounts apply.
  a.addFormat('email', EMAIL_PATTERN);
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

type AjvError = Pick<ErrorObject, 'instancePath' | 'keyword' | 'params'> & { message?: string };

const FORMATS: Record<string, string> = {
  email: 'must be an email address',
  date: 'must be a date (YYYY-MM-DD)',
  'date-time': 'must be a date and time (ISO 8601, e.g. 2026-06-15T10:00:00Z)',
  uri: 'must be a URL',
  uuid: 'must be a UUID',
};

const TYPES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPES[String(t)] ?? String(t)).join(' or ');
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** One validator error in words a person can act on (never the validator's own text). */
function words(v: AjvError, nullable: boolean): string {
  const p = v.params as Record<string, unknown>;
  const orNull = nullable ? ' or null' : '';
  switch (v.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type':
      return `must be ${typeWords(p.type)}${orNull}`;
    case 'format':
      return (FORMATS[String(p.format)] ?? `must be a valid ${String(p.format)}`) + orNull;
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')}`;
    case 'maxLength':
      return `must be at most ${plural(Number(p.limit), 'character')}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `must be more than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(p.limit)}`;
    case 'minItems':
      return `must hold at least ${plural(Number(p.limit), 'item')}`;
    case 'maxItems':
      return `must hold at most ${plural(Number(p.limit), 'item')}`;
    case 'minProperties':
      return `must set at least ${plural(Number(p.limit), 'field')}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(p.allowedValue)}`;
    case 'pattern':
      return 'contains characters that are not allowed here';
    case 'uniqueItems':
      return 'must not repeat an item';
    default:
      return 'is not valid';
  }
}

function pathOf(v: AjvError): string {
  let path = v.instancePath.replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
  const extra = v.keyword === 'required' ? v.params.missingProperty : v.keyword === 'additionalProperties' ? v.params.additionalProperty : undefined;
  if (extra !== undefined) path = [path, String(extra)].filter(Boolean).join('.');
  return path;
}

const within = (path: string, parent: string) => parent === '' || path === parent || path.startsWith(parent + '.');

/**
 * Validator errors as one entry per problem field, in words (`email: must be an email address`).
 * A nullable field (`T | null`) fails both of its alternatives; the "must be null" branch and the
 * "must match a schema in anyOf" summary say nothing the first branch does not, so they are dropped
 * (a type error then reads "must be a string or null").
 */
export function fieldErrors(validation: AjvError[]): FieldError[] {
  const all = validation.map((v) => ({ v, path: pathOf(v) }));
  const isNullBranch = (e: (typeof all)[number]) => e.v.keyword === 'type' && e.v.params.type === 'null';
  const isSummary = (e: (typeof all)[number]) => e.v.keyword === 'anyOf' || e.v.keyword === 'oneOf';
  const specific = all.filter((e) => !isNullBranch(e) && !isSummary(e));
  const nullable = new Set(all.filter(isNullBranch).map((e) => e.path));
  const kept = all.filter((e) => {
    if (isNullBranch(e) || isSummary(e)) return !specific.some((s) => within(s.path, e.path));
    return true;
  });
  const out = new Map<string, FieldError>();
  // A union of literals fails once per literal: their allowed values are listed together.
  const allowed = new Map<string, string[]>();
  for (const e of kept) {
    const path = e.path || 'body';
    if (e.v.keyword === 'enum' || e.v.keyword === 'const') {
      const values = e.v.keyword === 'enum' ? (e.v.params.allowedValues as unknown[]) : [e.v.params.allowedValue];
      const list = allowed.get(path) ?? [];
      list.push(...values.map(String));
      allowed.set(path, list);
      if (out.has(path) && out.get(path)?.message.startsWith('must be one of') !== true) continue;
      out.set(path, { path, message: `must be one of: ${list.join(', ')}${nullable.has(e.path) ? ' (or null)' : ''}` });
      continue;
    }
    if (!out.has(path)) out.set(path, { path, message: words(e.v, nullable.has(e.path)) });
  }
  return [...out.values()];
}
