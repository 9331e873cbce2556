/**
 * A token-count histogram with bounded memory for quantiles (p50 / p99 of output lengths). Counts below
 * 1024 are kept exactly; above, buckets grow by 2%, so a reported quantile is at most 2% above the truth
 * (it is the bucket's upper edge — erring towards a looser cap, never a cap that truncates).
 */
const EXACT = 1024;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const MAX_LOG_BUCKETS = 600; // 1024 × 1.02^600 ≈ 1.5e8 tokens

export class TokenHistogram {
  readonly #exact = new Uint32Array(EXACT);
  readonly #log = new Uint32Array(MAX_LOG_BUCKETS);
  #count = 0;
  #max = 0;

  add(tokens: number): void {
    const t = tokens < 0 ? 0 : Math.floor(tokens);
    this.#count++;
    if (t > this.#max) this.#max = t;
    if (t < EXACT) this.#exact[t]!++;
    else {
      const b = Math.min(MAX_LOG_BUCKETS - 1, Math.floor(Math.log(t / EXACT) / LOG_GROWTH));
      this.#log[b]!++;
    }
  }

  get count(): number {
    return this.#count;
  }

  get max(): number {
    return this.#max;
  }

  /** The smallest value v such that at least q of the samples are ≤ v (upper bucket edge above 1024). */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let t = 0; t < EXACT; t++) {
      seen += this.#exact[t]!;
      if (seen >= target) return t;
    }
    for (let b = 0; b < MAX_LOG_BUCKETS; b++) {
      seen += this.#log[b]!;
      if (seen >= target) return Math.min(this.#max, Math.ceil(EXACT * GROWTH ** (b + 1)));
    }
    return this.#max;
  }
}
