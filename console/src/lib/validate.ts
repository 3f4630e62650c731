import { MAX_ALLOWED_IPS, CIDR_MESSAGE, normaliseCidr } from '../../../src/kernel/rules/cidr.js';
import { normaliseHex } from '../../../src/kernel/rules/colour.js';
import { MAX_EXPIRY_YEARS, expiryProblem, maxExpiry } from '../../../src/kernel/rules/expiry.js';
import { MAX_REDIRECT_ORIGINS, normaliseOrigin } from '../../../src/kernel/rules/redirect-origin.js';
import { REFERENCE_MAX_LENGTH, referenceProblem } from '../../../src/kernel/rules/reference.js';
import type { FieldErrors } from './types.js';

// The rules are the server's own (src/kernel/rules/); only the words here are the console's.

/** The logo types and size the server accepts. */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'];
export const MAX_LOGO_BYTES = 1024 * 1024;

/** The reference rule: 1–100 characters after trimming, no control characters. */
export function checkReference(value: string): string | undefined {
  const problem = referenceProblem(value);
  if (problem === 'missing') return 'Enter a reference, a name to help you identify the key later.';
  if (problem === 'too_long') return `The reference must be at most ${REFERENCE_MAX_LENGTH} characters (it has ${value.trim().length}).`;
  if (problem === 'control_characters') return 'The reference must not contain control characters.';
  return undefined;
}

/** Expiry between today and two years ahead in the environment's zone. */
export function checkExpiry(value: string, today: string): string | undefined {
  if (!value) return 'Select the expiry date.';
  const problem = expiryProblem(value, today);
  if (problem === 'not_a_date') return 'Enter the expiry date as a real date.';
  if (problem === 'past') return 'The expiry date must not be in the past.';
  if (problem === 'too_far') return `The expiry date must be at most ${MAX_EXPIRY_YEARS} years ahead (${maxExpiry(today)} at the latest).`;
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

/** Each line an IPv4 or IPv6 address or CIDR block, in the server's words (so either side's refusal reads alike). */
export function checkIps(text: string): string | undefined {
  const list = lines(text);
  if (list.length > MAX_ALLOWED_IPS) return `List at most ${MAX_ALLOWED_IPS} addresses or blocks.`;
  const bad = list.findIndex((l) => normaliseCidr(l) === undefined);
  if (bad >= 0) return `Line ${bad + 1}: ${CIDR_MESSAGE}.`;
  return undefined;
}

/** Each line an https origin (http only for localhost), nothing after the host. */
export function checkOrigins(text: string): string | undefined {
  const list = lines(text);
  if (list.length > MAX_REDIRECT_ORIGINS) return `List at most ${MAX_REDIRECT_ORIGINS} origins.`;
  const bad = list.findIndex((l) => normaliseOrigin(l) === undefined);
  if (bad >= 0) return `Line ${bad + 1}: “${list[bad]}” is not an https origin such as https://app.example.com.`;
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
