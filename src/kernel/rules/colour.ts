/**
 * The colour rule: a theme colour is `#RGB` or `#RRGGBB` (any case), stored as upper-case `#RRGGBB`. Pure (no
 * Node or DOM APIs): the server's key checks, the checkout theme and the console's theme fields all use it.
 */

/** The pattern a colour must match (after trimming). */
const HEX_COLOUR_PATTERN = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** The longest colour text a request may carry (the schema's bound; the pattern decides what is valid). */
export const COLOUR_INPUT_MAX_LENGTH = 20;

/** The field-error message for a colour that is not `#RGB` / `#RRGGBB`. */
export const COLOUR_MESSAGE = 'must be a hex colour such as #1A2B3C';

/** `#abc` / `#a1b2c3` → `#AABBCC`; undefined when the value is not a hex colour. */
export function normaliseHex(value: string | null | undefined): string | undefined {
  const v = (value ?? '').trim();
  if (!HEX_COLOUR_PATTERN.test(v)) return undefined;
  const hex = v.slice(1).toUpperCase();
  return '#' + (hex.length === 3 ? hex.replace(/./g, (c) => c + c) : hex);
}
