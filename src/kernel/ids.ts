import { randomBase62, toBase62 } from './base62.js';

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
