import crypto, { timingSafeEqual } from 'node:crypto';

// One-shot hashing (no Hash object per call) where the runtime has it (Node ≥ 20.12): the key verifier's hot path.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;

/** SHA-256 of a string's UTF-8 bytes. */
export const sha256: (s: string) => Buffer = oneShot ? (s) => oneShot('sha256', s, 'buffer') : (s) => crypto.createHash('sha256').update(s).digest();

/** SHA-256 as lowercase hex (the form the store keeps). */
export function sha256Hex(s: string): string {
  return sha256(s).toString('hex');
}

/** Whether a presented secret equals the expected one, in constant time whatever either length (digests are compared). */
export function sameSecret(expected: string, given: string): boolean {
  return timingSafeEqual(sha256(expected), sha256(given));
}
