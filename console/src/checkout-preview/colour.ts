/**
 * Colour helpers for the console's theme settings: the checkout's own (src/checkout/theme.ts and the colour
 * rule src/kernel/rules/colour.ts), so the console judges colours exactly as the hosted checkout page renders them.
 */
export {
  AA_MINIMUM,
  BLACK,
  WHITE,
  FLOW_PRIMARY as DEFAULT_PRIMARY,
  FLOW_SECONDARY as DEFAULT_SECONDARY,
  checkoutTheme,
  contrastRatio,
  textColourOn,
} from '../../../src/checkout/theme.js';
export { normaliseHex } from '../../../src/kernel/rules/colour.js';
