import dns from 'node:dns';
import net from 'node:net';

/**
 * SSRF guard for webhook URLs: which addresses a delivery may never reach, and the DNS lookup that refuses
 * them at connect time (so a host that resolved to a public address when the endpoint was saved and to
 * 127.0.0.1 now — DNS rebinding — is still refused).
 */

const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const V6_BLOCKED: Array<[string, number]> = [
  ['::', 96], // unspecified, loopback ::1, IPv4-compatible
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (also AWS metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
];

const blocked = new net.BlockList();
for (const [a, p] of V4_BLOCKED) blocked.addSubnet(a, p, 'ipv4');
for (const [a, p] of V6_BLOCKED) blocked.addSubnet(a, p, 'ipv6');

/** The 16 bytes of an IPv6 address (zone id dropped), or undefined when it is not one. */
function v6Bytes(address: string): number[] | undefined {
  let s = address.split('%')[0];
  if (net.isIPv6(s) === false) return undefined;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    tail = dotted[2].split('.').map(Number);
    s = dotted[1] + '0:0';
  }
  const [head, rest] = s.split('::');
  const groups = (x: string | undefined) => (x ? x.split(':').filter((g) => g !== '') : []);
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? [] : new Array<string>(8 - h.length - r.length).fill('0');
  const all = [...h, ...fill, ...r].map((g) => parseInt(g, 16));
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : undefined;
}

/** An IPv4 address carried inside an IPv6 one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), if any. */
function embeddedV4(bytes: number[]): string | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const v4 = bytes.slice(12).join('.');
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4;
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return v4;
  return undefined;
}

/** True when a delivery must never connect to this address (loopback, private, link-local, CGNAT, metadata, …). */
export function isForbiddenAddress(address: string): boolean {
  if (net.isIPv4(address)) return blocked.check(address, 'ipv4');
  const bytes = v6Bytes(address);
  if (!bytes) return true; // not an address at all: refuse
  const v4 = embeddedV4(bytes);
  if (v4 !== undefined) return blocked.check(v4, 'ipv4');
  return blocked.check(address.split('%')[0], 'ipv6');
}

/** Resolves a host name to every address (the system resolver, as connecting would). */
export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Why a URL may not receive webhooks (a message for the `url` field), or undefined when it may. */
export async function urlProblem(raw: string, opts: { allowPrivate: boolean; resolve?: Resolve }): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && !(opts.allowPrivate && url.protocol === 'http:')) return 'must start with https://';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (opts.allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return isForbiddenAddress(host) ? 'must not point to a loopback, private, link-local or metadata address' : undefined;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await (opts.resolve ?? systemResolve)(host);
  } catch {
    return `host ${host} does not resolve`;
  }
  if (addresses.length === 0) return `host ${host} does not resolve`;
  if (addresses.some((a) => isForbiddenAddress(a.address))) return 'must not resolve to a loopback, private, link-local or metadata address';
  return undefined;
}

/** The error a refused connection fails with (its code names the rule). */
export class ForbiddenAddressError extends Error {
  readonly code = 'EFORBIDDENADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, private, link-local or metadata address`);
  }
}

/**
 * A `lookup` for node:http(s) that resolves with `resolve` and refuses when any address is forbidden:
 * checked at connect time, on the very addresses the socket will use.
 */
export function guardedLookup(resolve: Resolve): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => isForbiddenAddress(a.address));
        if (bad) return callback(new ForbiddenAddressError(hostname, bad.address), '', 0);
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
        callback(null, addresses[0].address, addresses[0].family);
      },
      (err: Error) => callback(err, '', 0),
    );
  }) as net.LookupFunction;
}
