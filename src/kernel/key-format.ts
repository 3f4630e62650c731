import zlib from 'node:zlib';
import { randomBase62, toBase62 } from './base62.js';
import { sha256Hex } from './crypto.js';

const KEY_PREFIX = 'flow_';
const PUBLIC_ID_LENGTH = 12;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX.length + PUBLIC_ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH; // 56
/** The pattern secret-scanning partners search for (CONTRACT §3). */
export const SCANNER_PATTERN = /\bflow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}\b/g;

const SHAPE = /^flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/;
const crc32: (data: string | Buffer) => number = (zlib as unknown as { crc32: (d: string | Buffer) => number }).crc32;

/** CRC-32 (IEEE) of the body as 6 base62 digits, most significant first, zero-padded. */
export function checksum(body: string): string {
  return toBase62(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

/** A freshly generated key with its public id. */
interface GeneratedKey {
  publicId: string;
  key: string;
}

/** Generates a new key: `flow_<id>_<secret><checksum>`; pass `publicId` to keep an id across a roll. */
export function generateKey(publicId: string = randomBase62(PUBLIC_ID_LENGTH)): GeneratedKey {
  const body = `${KEY_PREFIX}${publicId}_${randomBase62(SECRET_LENGTH)}`;
  return { publicId, key: body + checksum(body) };
}

/**
 * The public id of a well-formed key, or undefined when its shape or checksum is wrong.
 * Pure and allocation-light: this is the first check on the hot path, before any I/O.
 */
export function parseKey(key: string): string | undefined {
  if (key.length !== KEY_LENGTH || !SHAPE.test(key)) return undefined;
  const body = key.slice(0, KEY_LENGTH - CHECKSUM_LENGTH);
  if (checksum(body) !== key.slice(KEY_LENGTH - CHECKSUM_LENGTH)) return undefined;
  return key.slice(KEY_PREFIX.length, KEY_PREFIX.length + PUBLIC_ID_LENGTH);
}

/** SHA-256 of the whole key (hex): the only form in which the store keeps it. */
export function hashKey(key: string): string {
  return sha256Hex(key);
}

/** The redacted form shown in lists and logs: `flow_<id>_…WXYZ`. */
export function redactKey(publicId: string, last4: string): string {
  return `${KEY_PREFIX}${publicId}_…${last4}`;
}

/** The key id used in the API (`key_<publicId>`). */
export function keyIdOf(publicId: string): string {
  return `key_${publicId}`;
}

/** The public id inside a key id. */
export function publicIdOf(keyId: string): string {
  return keyId.startsWith('key_') ? keyId.slice(4) : keyId;
}
