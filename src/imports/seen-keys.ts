/**
 * A compact set of 64-bit string hashes: the in-file duplicate check of an import. Two typed arrays (open
 * addressing, 8 bytes a key) keep a million-row file at a few tens of MB instead of a Map of strings, and
 * sizing it up front from the file size avoids the double allocation of growing. Two independent 32-bit hashes
 * make a false "duplicate" vanishingly rare (about 1 in 10^12 per pair of keys).
 */
export class SeenKeys {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private capacity: number;
  private size = 0;

  /** `expected`: how many keys are likely (the set still grows past it). Capacity is exact, not a power of two. */
  constructor(expected = 10_000) {
    this.capacity = Math.max(16_384, Math.ceil(expected / 0.8));
    this.hi = new Uint32Array(this.capacity);
    this.lo = new Uint32Array(this.capacity);
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
    // 0 marks an empty slot, so a stored hash is never all zero.
    return [h1 >>> 0 || 1, h2 >>> 0];
  }

  /** Adds `key`; returns true when it was already there. */
  has(key: string): boolean {
    if ((this.size + 1) * 5 > this.capacity * 4) this.grow();
    const [a, b] = SeenKeys.hash(key);
    let i = ((a ^ Math.imul(b, 0x9e3779b1)) >>> 0) % this.capacity;
    for (;;) {
      if (this.hi[i] === 0) {
        this.hi[i] = a;
        this.lo[i] = b;
        this.size++;
        return false;
      }
      if (this.hi[i] === a && this.lo[i] === b) return true;
      i = i + 1 === this.capacity ? 0 : i + 1;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.capacity *= 2;
    this.hi = new Uint32Array(this.capacity);
    this.lo = new Uint32Array(this.capacity);
    for (let j = 0; j < hi.length; j++) {
      if (hi[j] === 0) continue;
      let i = ((hi[j] ^ Math.imul(lo[j], 0x9e3779b1)) >>> 0) % this.capacity;
      while (this.hi[i] !== 0) i = i + 1 === this.capacity ? 0 : i + 1;
      this.hi[i] = hi[j];
      this.lo[i] = lo[j];
    }
  }
}
