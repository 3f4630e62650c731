import { randomFillSync } from 'node:crypto';

/** The base62 alphabet of ids and of every part of a key. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * CSPRNG bytes drawn a block at a time: one `randomInt` per character (its validation and cache book-keeping
 * each call) was the costliest part of an id, and an import makes one or more ids per row.
 */
const pool = Buffer.alloc(4096);
let next = pool.length;

/** Random base62 text from a CSPRNG. Uniform: a byte below 248 (= 4 × 62) maps to `byte % 62`; the rest are drawn again. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    const byte = pool[next];
    // Each byte is used once and then cleared, so no drawn secret stays in the pool.
    pool[next++] = 0;
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** A non-negative integer as exactly `width` base62 digits, most significant first, zero-padded (higher digits dropped). */
export function toBase62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
