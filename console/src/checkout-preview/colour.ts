/**
 * Colour helpers of the console's theme settings: the checkout's own (src/checkout/theme.ts), so the console's
 * checks and the hosted pages compute contrast the same way.
 */
export {
  AA_MINIMUM,
  contrastRatio,
  FLOW_PRIMARY as DEFAULT_PRIMARY,
  FLOW_SECONDARY as DEFAULT_SECONDARY,
  normaliseHex,
  relativeLuminance as luminance,
  textColourOn,
} from '../../../src/checkout/theme.js';

/** The text colour the console's contrast hint measures against (the checkout itself picks black or white by contrast). */
export const TEXT_ON_PRIMARY = '#FFFFFF';
