import net from 'node:net';
import type { FieldError } from '../kernel/errors.js';
import { isPurpose } from '../kernel/permissions.js';
import { addDays, isIsoDate } from '../kernel/time.js';

const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
export const MAX_GRACE_SECONDS = 30 * 24 * 60 * 60;
export const EXPIRING_SOON_DAYS = 14;
/** Replaced secrets a key may have inside their grace at once (each roll with a grace adds one). */
export const MAX_PREVIOUS_SECRETS = 10;

/** `#abc` / `#a1b2c3` → `#AABBCC`; undefined when not a hex colour. */
function normaliseColour(value: string): string | undefined {
  const v = value.trim();
  if (!HEX.test(v)) return undefined;
  const hex = v.slice(1).toUpperCase();
  return '#' + (hex.length === 3 ? hex.replace(/./g, (c) => c + c) : hex);
}

/** The date two years after `today` (29 February falls back to 28 February). */
function maxExpiry(today: string): string {
  const [y, m, d] = today.split('-');
  const candidate = `${Number(y) + 2}-${m}-${d}`;
  return isIsoDate(candidate) ? candidate : `${Number(y) + 2}-${m}-28`;
}

/** Checks a reference; returns the trimmed value or pushes an error. */
export function checkReference(value: unknown, errors: FieldError[]): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v.length < 1) errors.push({ path: 'reference', message: 'is required' });
  else if (v.length > 100) errors.push({ path: 'reference', message: 'must be at most 100 characters' });
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  else if (/[\u0000-\u001f\u007f]/.test(v)) errors.push({ path: 'reference', message: 'must not contain control characters' });
  return v;
}

/** Checks a purpose identifier. */
export function checkPurpose(value: unknown, errors: FieldError[]): void {
  if (!isPurpose(value)) errors.push({ path: 'purpose', message: 'must be one of import_members, innovatise_bridge, coursepro_integration, flow_api' });
}

/** Checks an expiry date against today in the environment's zone: today at the earliest, two years ahead at most. */
export function checkExpiry(value: unknown, today: string, errors: FieldError[]): void {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    errors.push({ path: 'expiresOn', message: 'must be a date written YYYY-MM-DD' });
    return;
  }
  if (value < today) errors.push({ path: 'expiresOn', message: `must not be in the past (today is ${today})` });
  else if (value > maxExpiry(today)) errors.push({ path: 'expiresOn', message: `must be at most 2 years ahead (${maxExpiry(today)})` });
}

/** Normalises a colour field, pushing an error naming it when it is not `#RGB` / `#RRGGBB`. */
export function checkColour(path: string, value: string | null | undefined, errors: FieldError[]): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (value.trim() === '') return null;
  const c = normaliseColour(value);
  if (!c) errors.push({ path, message: 'must be a hex colour such as #1A2B3C' });
  return c;
}

/** Validates and normalises a list of IPv4/IPv6 addresses or CIDR blocks. */
export function checkCidrs(path: string, values: string[] | undefined, errors: FieldError[]): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > 100) errors.push({ path, message: 'must list at most 100 entries' });
  const out: string[] = [];
  values.forEach((raw, i) => {
    const v = raw.trim();
    const [addr, bits, extra] = v.split('/');
    // Zone ids (fe80::1%eth0) name a local interface: meaningless for a remote caller, so refused.
    const family = addr?.includes('%') ? 0 : net.isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!family || !okBits || extra !== undefined) errors.push({ path: `${path}.${i}`, message: 'must be an IPv4 or IPv6 address or CIDR block, e.g. 203.0.113.0/24' });
    else out.push(bits === undefined ? `${addr}/${max}` : `${addr}/${bits}`);
  });
  return out;
}

/** Validates redirect origins: https (http only for localhost), origin only. */
export function checkOrigins(path: string, values: string[] | undefined, errors: FieldError[]): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > 20) errors.push({ path, message: 'must list at most 20 origins' });
  const out: string[] = [];
  values.forEach((raw, i) => {
    let u: URL | undefined;
    try {
      u = new URL(raw.trim());
    } catch {
      u = undefined;
    }
    const local = u && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]');
    if (!u || !(u.protocol === 'https:' || (u.protocol === 'http:' && local)) || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
      errors.push({ path: `${path}.${i}`, message: 'must be an https origin such as https://app.example.com' });
    } else out.push(u.origin);
  });
  return out;
}

/** A key's status on a given day: by dates in the environment's zone. */
export function keyStatus(k: { revokedAt: string | null; expiresOn: string }, today: string): 'active' | 'expiring_soon' | 'expired' | 'revoked' {
  if (k.revokedAt) return 'revoked';
  if (k.expiresOn < today) return 'expired';
  if (k.expiresOn <= addDays(today, EXPIRING_SOON_DAYS)) return 'expiring_soon';
  return 'active';
}

/** An address matcher for an allowlist (empty list = every address). */
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
