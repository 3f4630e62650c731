/**
 * The address rule of IP allowlists (and of trusted proxies): an IPv4 or IPv6 address, or a CIDR block of
 * one. A bare address stands for its single-address block (`/32`, `/128`). Zone ids (`fe80::1%eth0`) name a
 * local interface, meaningless for a remote caller, so they are refused. Pure (no `node:net`): the server's
 * key checks and configuration, and the console's key forms use it, so both judge a line alike.
 */

/** The most entries an allowlist may hold. */
export const MAX_ALLOWED_IPS = 100;

/** The longest entry text a request may carry (the schema's bound). */
export const CIDR_INPUT_MAX_LENGTH = 64;

/** The field-error message for an entry that is not an address or block. */
export const CIDR_MESSAGE = 'must be an IPv4 or IPv6 address or CIDR block, e.g. 203.0.113.0/24';

// The grammar Node's net.isIP accepts (dotted-quad IPv4 without leading zeros; RFC 4291 IPv6 text with `::`
// and an embedded IPv4 tail), without the zone suffix.
const V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4 = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const V6_SEG = '(?:[0-9a-fA-F]{1,4})';
const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(
  '^(?:' +
    `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){6}(?:${V4}|:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){5}(?::${V4}|(?::${V6_SEG}){1,2}|:)|` +
    `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4}|(?::${V6_SEG}){1,3}|:)|` +
    `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4}|(?::${V6_SEG}){1,4}|:)|` +
    `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4}|(?::${V6_SEG}){1,5}|:)|` +
    `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4}|(?::${V6_SEG}){1,6}|:)|` +
    `(?::(?:(?::${V6_SEG}){0,5}:${V4}|(?::${V6_SEG}){1,7}|:))` +
    ')$',
);

/** 4 or 6 for an IPv4 or IPv6 address (no zone id), 0 for anything else — as `net.isIP`, zones refused. */
export function ipFamily(addr: string): 0 | 4 | 6 {
  if (IPV4.test(addr)) return 4;
  if (IPV6.test(addr)) return 6;
  return 0;
}

/** An address or block as a block (`203.0.113.7` → `203.0.113.7/32`), or undefined when it is neither. */
export function normaliseCidr(raw: string): string | undefined {
  const [addr, bits, extra] = raw.trim().split('/');
  const family = ipFamily(addr ?? '');
  if (!family || extra !== undefined) return undefined;
  const max = family === 6 ? 128 : 32;
  if (bits === undefined) return `${addr}/${max}`;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return `${addr}/${bits}`;
}
