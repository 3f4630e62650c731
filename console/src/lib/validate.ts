import { normaliseHex } from '../checkout-preview/colour';
import { addYears, isIsoDate } from './dates';
import type { FieldErrors } from './types';

/** The logo types and size the server accepts. */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'];
export const MAX_LOGO_BYTES = 1024 * 1024;

/** The same reference rule as the server: 1–100 characters after trimming, no control characters. */
export function checkReference(value: string): string | undefined {
  const v = value.trim();
  if (v.length < 1) return 'Enter a reference, a name to help you identify the key later.';
  if (v.length > 100) return `The reference must be at most 100 characters (it has ${v.length}).`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'The reference must not contain control characters.';
  return undefined;
}

/** Expiry between today and two years ahead in the environment's zone. */
export function checkExpiry(value: string, today: string): string | undefined {
  if (!value) return 'Select the expiry date.';
  if (!isIsoDate(value)) return 'Enter the expiry date as a real date.';
  if (value < today) return 'The expiry date must not be in the past.';
  const max = addYears(today, 2);
  if (value > max) return `The expiry date must be at most 2 years ahead (${max} at the latest).`;
  return undefined;
}

/** Empty, or a hex colour #RGB / #RRGGBB. */
export function checkColour(value: string): string | undefined {
  if (!value.trim()) return undefined;
  return normaliseHex(value) ? undefined : 'Enter a hex colour code such as #1A2B3C.';
}

/** A logo file the server will take: PNG, JPEG, WebP or SVG, at most 1 MiB. */
export function checkLogoFile(file: File): string | undefined {
  if (!LOGO_TYPES.includes(file.type)) return 'The logo must be a PNG, JPEG, WebP or SVG image.';
  if (file.size > MAX_LOGO_BYTES) return `The logo must be at most 1 MB (this file is ${(file.size / 1024 / 1024).toFixed(1)} MB).`;
  if (file.size === 0) return 'The logo file is empty.';
  return undefined;
}

/** The non-empty lines of a textarea, trimmed. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Shape check of IP addresses / CIDR blocks; the server checks each exactly (and its message shows here too). */
export function checkIps(text: string): string | undefined {
  const list = lines(text);
  if (list.length > 100) return 'List at most 100 addresses or blocks.';
  const bad = list.findIndex((l) => !/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(l) || !/[.:]/.test(l));
  if (bad >= 0) return `Line ${bad + 1}: “${list[bad]}” is not an IPv4 or IPv6 address or CIDR block, e.g. 203.0.113.0/24.`;
  return undefined;
}

/** Each line an https origin (http only for localhost), nothing after the host. */
export function checkOrigins(text: string): string | undefined {
  const list = lines(text);
  if (list.length > 20) return 'List at most 20 origins.';
  for (let i = 0; i < list.length; i++) {
    let u: URL | undefined;
    try {
      u = new URL(list[i]);
    } catch {
      u = undefined;
    }
    const local = u && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    if (!u || !(u.protocol === 'https:' || (u.protocol === 'http:' && local)) || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
      return `Line ${i + 1}: “${list[i]}” is not an https origin such as https://app.example.com.`;
    }
  }
  return undefined;
}

/** Server errors to the form's fields: `allowedIps.3` is shown on the allowedIps field as "Line 4: …". */
export function mapServerErrors(errors: { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const m = /^(allowedIps|allowedRedirectOrigins)\.(\d+)$/.exec(e.path);
    const path = m ? m[1] : e.path === 'file' ? 'theme.logoId' : e.path;
    const message = m ? `Line ${Number(m[2]) + 1}: ${e.message}` : e.message;
    if (!out[path]) out[path] = capitalise(message, path);
  }
  return out;
}

const FIELD_NAMES: Record<string, string> = {
  reference: 'The reference',
  purpose: 'The purpose',
  expiresOn: 'The expiry date',
  'theme.primaryColour': 'The primary colour',
  'theme.secondaryColour': 'The secondary colour',
  'theme.logoId': 'The logo',
};

function capitalise(message: string, path: string): string {
  // The server's messages read "is required", "must be …": prefix the field's name so they stand alone.
  if (/^(is|must|are|has)\b/.test(message)) return `${FIELD_NAMES[path] ?? 'This value'} ${message}.`.replace(/\.\.$/, '.');
  return message;
}
