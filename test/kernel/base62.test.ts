import { describe, expect, it } from 'vitest';
import { BASE62, randomBase62 } from '../../src/kernel/base62.js';

describe('randomBase62', () => {
  it('gives the length asked for, in the alphabet only', () => {
    for (const n of [0, 1, 10, 38, 4097]) {
      const s = randomBase62(n);
      expect(s).toHaveLength(n);
      expect(/^[0-9A-Za-z]*$/.test(s)).toBe(true);
    }
  });

  it('draws every symbol equally often (a plain byte % 62 would give the first 8 symbols 25 % more)', () => {
    const counts = new Map<string, number>();
    const text = randomBase62(620_000);
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 10,000 each, standard deviation ~99: ±600 is six of them, while a biased symbol would be ~12,500.
    for (const c of BASE62) expect(Math.abs((counts.get(c) ?? 0) - 10_000)).toBeLessThan(600);
  });

  it('does not repeat across the pool refills', () => {
    const seen = new Set(Array.from({ length: 20_000 }, () => randomBase62(16)));
    expect(seen.size).toBe(20_000);
  });
});
