/**
 * The checkout theme: pure functions shared by the hosted checkout pages (server) and the console's live
 * preview (browser, imported through Vite). No Node or DOM APIs (the colour rule is kernel/rules/colour.ts), so
 * both sides can use it. The markup both show is in checkout-components.tsx.
 */

import { normaliseHex } from '../kernel/rules/colour.js';

/** Text colours the checkout may put on a themed surface: whichever contrasts more (WCAG 2). */
export const BLACK = '#000000';
export const WHITE = '#FFFFFF';

/** The neutral FLOW theme used when a key sets no colours. */
export const FLOW_PRIMARY = '#0B4F57';
export const FLOW_SECONDARY = '#F2A541';

/** The WCAG AA minimum for normal-size text. */
export const AA_MINIMUM = 4.5;

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance (0–1) of a `#RRGGBB` colour. */
export function relativeLuminance(hex: string): number {
  const h = normaliseHex(hex) ?? BLACK;
  return 0.2126 * channel(parseInt(h.slice(1, 3), 16)) + 0.7152 * channel(parseInt(h.slice(3, 5), 16)) + 0.0722 * channel(parseInt(h.slice(5, 7), 16));
}

/** WCAG 2 contrast ratio between two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Black or white, whichever has the higher contrast on `background` (ties go to white). */
export function textColourOn(background: string): typeof BLACK | typeof WHITE {
  return contrastRatio(background, WHITE) >= contrastRatio(background, BLACK) ? WHITE : BLACK;
}

/** A resolved checkout theme: the two brand colours, the text colours chosen for them, and CSS variables. */
export interface CheckoutTheme {
  primary: string;
  secondary: string;
  /** Text on the primary colour (header, main button). */
  onPrimary: string;
  /** Text on the secondary colour (accent badges). */
  onSecondary: string;
  /** The colour for accent text and links on the white page: the secondary colour when it is readable there, else black. */
  accentInk: string;
  /** True when the key set no colours and the neutral FLOW theme applies. */
  isDefault: boolean;
  /** CSS custom properties the stylesheet reads (`--fc-…`). */
  vars: Record<string, string>;
}

/** Resolves a key's colours (either may be unset or invalid) into the checkout theme with contrast-safe text colours. */
export function checkoutTheme(primaryColour?: string | null, secondaryColour?: string | null): CheckoutTheme {
  const p = normaliseHex(primaryColour);
  const s = normaliseHex(secondaryColour);
  const primary = p ?? FLOW_PRIMARY;
  const secondary = s ?? (p ? primary : FLOW_SECONDARY);
  const onPrimary = textColourOn(primary);
  const onSecondary = textColourOn(secondary);
  const accentInk = contrastRatio(secondary, WHITE) >= AA_MINIMUM ? secondary : contrastRatio(primary, WHITE) >= AA_MINIMUM ? primary : BLACK;
  return {
    primary,
    secondary,
    onPrimary,
    onSecondary,
    accentInk,
    isDefault: !p && !s,
    vars: {
      '--fc-primary': primary,
      '--fc-on-primary': onPrimary,
      '--fc-secondary': secondary,
      '--fc-on-secondary': onSecondary,
      '--fc-accent-ink': accentInk,
    },
  };
}

/** The theme as a stylesheet rule on `.fc` (the hosted pages load it as a file, since their CSP forbids inline styles). */
export function themeCss(theme: CheckoutTheme): string {
  return `.fc{${Object.entries(theme.vars)
    .map(([k, v]) => `${k}:${v}`)
    .join(';')}}\n`;
}
