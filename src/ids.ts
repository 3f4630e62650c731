import { BASE62, randomBase62 } from './keys/key-format.js';

/** A new prefixed id, e.g. `env_3kTq9…` (16 random base62 characters: ~95 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(16)}`;
}

let lastMs = -1;
let sequence = 0;

/**
 * A prefixed id that sorts by creation time (like a ULID): 8 base62 digits of milliseconds, 4 of a
 * per-process sequence within the millisecond, then 10 random characters.
 */
export function sortableId(prefix: string, nowMs: number): string {
  if (nowMs === lastMs) sequence++;
  else {
    lastMs = nowMs;
    sequence = 0;
  }
  return `${prefix}_${toBase62(nowMs, 8)}${toBase62(sequence, 4)}${randomBase62(10)}`;
}

function toBase62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
