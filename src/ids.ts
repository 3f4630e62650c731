import { randomBase62 } from './keys/key-format.js';

/** A new prefixed id, e.g. `env_3kTq9…` (16 random base62 characters: ~95 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(16)}`;
}
