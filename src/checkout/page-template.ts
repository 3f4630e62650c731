import { randomBytes } from 'node:crypto';

/**
 * Pages rendered by React once per shape, with markers where the per-request text goes, then filled by string
 * concatenation: what React does per request for a page whose structure is fixed is escaping a few strings.
 * The markers carry a random per-process nonce, so no stored text (an operator's or an item's name) can
 * spell one; a shape whose own text contains the nonce anyway is rendered without the cache.
 */

/** The escaping react-dom/server applies to text and to attribute values (its escapeTextForBrowser). */
export function escapeHtml(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    let entity: string;
    switch (text.charCodeAt(i)) {
      case 34:
        entity = '&quot;';
        break;
      case 38:
        entity = '&amp;';
        break;
      case 39:
        entity = '&#x27;';
        break;
      case 60:
        entity = '&lt;';
        break;
      case 62:
        entity = '&gt;';
        break;
      default:
        continue;
    }
    if (last !== i) out += text.slice(last, i);
    last = i + 1;
    out += entity;
  }
  return last === 0 ? text : out + text.slice(last);
}

const NONCE = randomBytes(12).toString('hex');
const MARKER = new RegExp(`fcslot${NONCE}n([0-9]+)e`);

/** A page with its per-request text cut out, as UTF-8: `parts[0] + value(slots[0]) + parts[1] + …`. */
export interface PageTemplate {
  parts: Buffer[];
  /** Index into the values for each gap between parts. */
  slots: number[];
}

/**
 * Renders a page once with a marker in each of `count` slots (`render` gets the markers, in slot order, to
 * put where the values go: text or attribute values, which React escapes alike) and cuts it at the markers.
 */
export function compileTemplate(count: number, render: (markers: string[]) => string): PageTemplate {
  const markers = Array.from({ length: count }, (_, i) => `fcslot${NONCE}n${i}e`);
  // Split at a pattern with a group: text, slot index, text, …, text.
  const pieces = render(markers).split(MARKER);
  return { parts: pieces.filter((_, i) => i % 2 === 0).map((p) => Buffer.from(p, 'utf8')), slots: pieces.filter((_, i) => i % 2 === 1).map(Number) };
}

/**
 * The page with `values` (raw text, escaped here as React would) in its slots, as bytes: joining encoded
 * parts costs less than building a string of many pieces that the socket then has to flatten and encode.
 */
export function fillTemplate(t: PageTemplate, values: readonly string[]): Buffer {
  // One buffer, sized first: the parts are copied and the escaped values encoded straight into it.
  const texts = t.slots.map((slot) => escapeHtml(values[slot]));
  let size = 0;
  for (const part of t.parts) size += part.length;
  for (const text of texts) size += Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = t.parts[0].copy(out, 0);
  for (let i = 0; i < texts.length; i++) {
    at += out.write(texts[i], at, 'utf8');
    at += t.parts[i + 1].copy(out, at);
  }
  // Never a byte of the pool's earlier contents, whatever the encoder did.
  return at === size ? out : out.subarray(0, at);
}

/** True when `text` could be mistaken for a marker (then the page is rendered without a template). */
export function spellsMarker(text: string): boolean {
  return text.includes(NONCE);
}
