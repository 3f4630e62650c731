/** Colour helpers shared by the console's theme settings and the checkout preview. */

const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** `#abc` / `#a1b2c3` → `#AABBCC`; undefined when not a hex colour (the server's rule). */
export function normaliseHex(value: string): string | undefined {
  const v = value.trim();
  if (!HEX.test(v)) return undefined;
  const hex = v.slice(1).toUpperCase();
  return '#' + (hex.length === 3 ? hex.replace(/./g, (c) => c + c) : hex);
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance of a `#RRGGBB` colour. */
export function luminance(hex: string): number {
  const h = normaliseHex(hex) ?? '#000000';
  const r = parseInt(h.slice(1, 3), 16);
  const g = parseInt(h.slice(3, 5), 16);
  const b = parseInt(h.slice(5, 7), 16);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2 contrast ratio between two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The text colour the checkout puts on the primary colour: always white, so the brand colour must carry it. */
export const TEXT_ON_PRIMARY = '#FFFFFF';

/** The WCAG AA minimum for normal-size text. */
export const AA_MINIMUM = 4.5;

/** Colours used when a key's theme leaves one unset. */
export const DEFAULT_PRIMARY = '#0B4F57';
export const DEFAULT_SECONDARY = '#F2A541';
