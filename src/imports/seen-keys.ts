/**
 * A compact set of 64-bit string hashes with the row that first used each: the in-file duplicate check of an
 * import. Typed arrays (open addressing) keep a million-row file at a few tens of MB instead of a Map of strings.
 * Two independent 32-bit hashes make a false "duplicate" vanishingly rare (about 1 in 10^12 per pair of rows).
 */
export class SeenKeys {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private rows: Uint32Array;
  private mask: number;
  private size = 0;

  constructor(capacity = 1 << 14) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  private static hash(s: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    // 0 marks an empty slot, so a real hash is never all zero.
    return [h1 >>> 0 || 1, h2 >>> 0];
  }

  /** Adds `key` for `row`; returns the earlier row when the key was already there. */
  addOrGet(key: string, row: number): number | undefined {
    if ((this.size + 1) * 5 > (this.mask + 1) * 4) this.grow();
    const [a, b] = SeenKeys.hash(key);
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      if (this.hi[i] === 0) {
        this.hi[i] = a;
        this.lo[i] = b;
        this.rows[i] = row;
        this.size++;
        return undefined;
      }
      if (this.hi[i] === a && this.lo[i] === b) return this.rows[i];
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hi, lo, rows } = this;
    const capacity = (this.mask + 1) * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < hi.length; j++) {
      if (hi[j] === 0) continue;
      let i = (hi[j] ^ Math.imul(lo[j], 0x9e3779b1)) & this.mask;
      while (this.hi[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = hi[j];
      this.lo[i] = lo[j];
      this.rows[i] = rows[j];
    }
  }
}
