import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BASE62 } from '../../src/kernel/base62.js';
import { KEY_LENGTH, SCANNER_PATTERN, checksum, generateKey, parseKey, redactKey } from '../../src/kernel/key-format.js';

const crc32 = (zlib as unknown as { crc32: (s: string) => number }).crc32;
const SCANNER = new RegExp(SCANNER_PATTERN.source);

describe('key format', () => {
  it('generates 10,000 distinct keys that match the scanner pattern and parse back to their id', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const { key, publicId } = generateKey();
      expect(key).toHaveLength(KEY_LENGTH);
      expect(SCANNER.test(key)).toBe(true);
      expect(parseKey(key)).toBe(publicId);
      keys.add(key);
    }
    expect(keys.size).toBe(10_000);
  });

  it('writes the CRC-32 as 6 base62 digits, most significant first, zero-padded', () => {
    const body = 'flow_ABCDEFGHIJKL_0123456789abcdefghijklmnopqrstuv';
    let n = crc32(body) >>> 0;
    let expected = '';
    while (n > 0) {
      expected = BASE62[n % 62] + expected;
      n = Math.floor(n / 62);
    }
    expect(checksum(body)).toBe(expected.padStart(6, '0'));
    expect(checksum('')).toBe('000000');
  });

  it('catches every single-character change anywhere in a key', () => {
    for (let round = 0; round < 3; round++) {
      const { key } = generateKey();
      let variants = 0;
      for (let i = 0; i < key.length; i++) {
        for (const c of BASE62 + '_-') {
          if (c === key[i]) continue;
          const changed = key.slice(0, i) + c + key.slice(i + 1);
          expect(parseKey(changed), `position ${i} → ${c}`).toBeUndefined();
          variants++;
        }
      }
      expect(variants).toBeGreaterThan(56 * 60);
    }
  });

  it('refuses wrong shapes: length, prefix, separators, alphabet', () => {
    const { key } = generateKey();
    for (const bad of ['', key.slice(1), key + 'a', 'FLOW' + key.slice(4), key.replace('_', '-'), key.slice(0, 20) + 'é' + key.slice(21), ` ${key}`]) {
      expect(parseKey(bad)).toBeUndefined();
    }
  });

  it('redacts to the id and the last four characters', () => {
    expect(redactKey('ABCDEFGHIJKL', 'wxyz')).toBe('flow_ABCDEFGHIJKL_…wxyz');
  });
});
