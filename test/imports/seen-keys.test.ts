import { describe, expect, it } from 'vitest';
import { SeenKeys } from '../../src/imports/seen-keys.js';

describe('SeenKeys (in-file duplicate check)', () => {
  it('reports exactly the keys seen before, across growth', () => {
    const seen = new SeenKeys(10);
    let first = 0;
    for (let i = 0; i < 50_000; i++) if (seen.has(`r\u0000crm\u0000${i}`)) first++;
    expect(first).toBe(0);
    let again = 0;
    for (let i = 0; i < 50_000; i++) if (seen.has(`r\u0000crm\u0000${i}`)) again++;
    expect(again).toBe(50_000);
    expect(seen.has('n\u00001')).toBe(false);
    expect(seen.has('e\u00001')).toBe(false);
    expect(seen.has('n\u00001')).toBe(true);
  });
});
