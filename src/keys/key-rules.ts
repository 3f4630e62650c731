import net from 'node:net';
import type { FieldError } from '../kernel/errors.js';
import { isPurpose } from '../kernel/permissions.js';
import { MAX_ALLOWED_IPS, CIDR_MESSAGE, normaliseCidr } from '../kernel/rules/cidr.js';
import { COLOUR_MESSAGE, normaliseHex } from '../kernel/rules/colour.js';
import { expiryMessage, expiryProblem } from '../kernel/rules/expiry.js';
import { MAX_REDIRECT_ORIGINS, ORIGIN_MESSAGE, normaliseOrigin } from '../kernel/rules/redirect-origin.js';
import { REFERENCE_MESSAGES, referenceProblem } from '../kernel/rules/reference.js';

/**
 * A key's field checks in the API's terms (field errors named by path). The rules themselves live in
 * `kernel/rules/` (shared with the console); this file applies them to a key's fields.
 */

export const MAX_GRACE_SECONDS = 30 * 24 * 60 * 60;
/** Replaced secrets a key may have inside their grace at once (each roll with a grace adds one). */
export const MAX_PREVIOUS_SECRETS = 10;

/** Checks a reference; returns the trimmed value or pushes an error. */
export function checkReference(value: unknown, errors: FieldError[]): string {
  const v = typeof value === 'string' ? value.trim() : '';
  const problem = referenceProblem(v);
  if (problem) errors.push({ path: 'reference', message: REFERENCE_MESSAGES[problem] });
  return v;
}

/** Checks a purpose identifier. */
export function checkPurpose(value: unknown, errors: FieldError[]): void {
  if (!isPurpose(value)) errors.push({ path: 'purpose', message: 'must be one of import_members, innovatise_bridge, coursepro_integration, flow_api' });
}

/** Checks an expiry date against today in the environment's zone: today at the earliest, two years ahead at most. */
export function checkExpiry(value: unknown, today: string, errors: FieldError[]): void {
  const problem = typeof value === 'string' ? expiryProblem(value, today) : 'not_a_date';
  if (problem) errors.push({ path: 'expiresOn', message: expiryMessage(problem, today) });
}

/** Normalises a colour field, pushing an error naming it when it is not `#RGB` / `#RRGGBB`. */
export function checkColour(path: string, value: string | null | undefined, errors: FieldError[]): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (value.trim() === '') return null;
  const c = normaliseHex(value);
  if (!c) errors.push({ path, message: COLOUR_MESSAGE });
  return c;
}

/** Validates and normalises a list of IPv4/IPv6 addresses or CIDR blocks. */
export function checkCidrs(path: string, values: string[] | undefined, errors: FieldError[]): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > MAX_ALLOWED_IPS) errors.push({ path, message: `must list at most ${MAX_ALLOWED_IPS} entries` });
  const out: string[] = [];
  values.forEach((raw, i) => {
    const cidr = normaliseCidr(raw);
    if (cidr === undefined) errors.push({ path: `${path}.${i}`, message: CIDR_MESSAGE });
    else out.push(cidr);
  });
  return out;
}

/** Validates redirect origins: https (http only for localhost), origin only. */
export function checkOrigins(path: string, values: string[] | undefined, errors: FieldError[]): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > MAX_REDIRECT_ORIGINS) errors.push({ path, message: `must list at most ${MAX_REDIRECT_ORIGINS} origins` });
  const out: string[] = [];
  values.forEach((raw, i) => {
    const origin = normaliseOrigin(raw);
    if (origin === undefined) errors.push({ path: `${path}.${i}`, message: ORIGIN_MESSAGE });
    else out.push(origin);
  });
  return out;
}

/** An address matcher for an allowlist of normalised blocks (empty list = every address). */
export function ipMatcher(cidrs: string[]): ((ip: string) => boolean) | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new net.BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    list.addSubnet(addr, Number(bits), net.isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }
  return (ip: string) => {
    const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const addr = v4mapped ? v4mapped[1] : ip;
    const family = net.isIP(addr);
    return family !== 0 && list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
  };
}
