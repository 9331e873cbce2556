/**
 * A count-min sketch: approximate counts of any number of keys in fixed memory. Counts are never
 * under-estimated, only over-estimated when keys share cells, so "seen before" from it errs towards
 * counting a repeat — the estimators say so when they fall back on it.
 */
export class CountMinSketch {
  readonly #width: number;
  readonly #depth: number;
  readonly #cells: Uint32Array;

  /** `width` is rounded up to a power of two; memory is width × depth × 4 bytes. */
  constructor(width = 1 << 18, depth = 4) {
    let w = 1;
    while (w < width) w <<= 1;
    this.#width = w;
    this.#depth = depth;
    this.#cells = new Uint32Array(w * depth);
  }

  /** Adds `by` to the key's count and returns the estimate before the addition. */
  add(key: number, by = 1): number {
    let min = Number.POSITIVE_INFINITY;
    for (let d = 0; d < this.#depth; d++) {
      const i = d * this.#width + this.#cell(key, d);
      const v = this.#cells[i]!;
      if (v < min) min = v;
      this.#cells[i] = v + by;
    }
    return min;
  }

  estimate(key: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (let d = 0; d < this.#depth; d++) {
      const v = this.#cells[d * this.#width + this.#cell(key, d)]!;
      if (v < min) min = v;
    }
    return min;
  }

  #cell(key: number, d: number): number {
    // Mix the 53-bit key's two halves with a per-row multiplier.
    const lo = key >>> 0;
    const hi = Math.floor(key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b + d * 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return (h >>> 0) & (this.#width - 1);
  }
}
