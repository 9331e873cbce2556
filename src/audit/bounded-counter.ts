/**
 * Counts occurrences of hashed keys in bounded memory: exact up to `maxKeys` distinct keys (an
 * open-addressing table of about 24 bytes × 2 × maxKeys), then keys not already held are counted in a
 * count-min sketch. `approximate` tells the report when the sketch
 * was used, so an estimate over a huge log says it is one.
 */
import { CountMinSketch } from './count-min.js';

export const DEFAULT_MAX_KEYS = 200_000;

export class BoundedCounter {
  // Open addressing over typed arrays: no per-key objects, no boxed 53-bit numbers, nothing for the GC.
  readonly #keys: Float64Array;
  readonly #counts: Uint32Array;
  readonly #mask: number;
  readonly #maxKeys: number;
  #size = 0;
  #sketch: CountMinSketch | null = null;

  constructor(maxKeys = DEFAULT_MAX_KEYS) {
    this.#maxKeys = maxKeys;
    let cap = 16;
    while (cap < maxKeys * 2) cap *= 2;
    this.#keys = new Float64Array(cap);
    this.#counts = new Uint32Array(cap);
    this.#mask = cap - 1;
  }

  /** Counts one occurrence and returns how many times the key was seen before it. */
  add(key: number): number {
    const k = key === 0 ? 1 : key; // 0 marks an empty cell
    const lo = k >>> 0;
    const hi = (k / 4294967296) >>> 0;
    let i = (Math.imul(lo ^ hi, 0x9e3779b1) >>> 0) & this.#mask;
    const keys = this.#keys;
    for (;;) {
      const cur = keys[i]!;
      if (cur === k) {
        const prev = this.#counts[i]!;
        this.#counts[i] = prev + 1;
        return prev;
      }
      if (cur === 0) break;
      i = (i + 1) & this.#mask;
    }
    if (this.#size < this.#maxKeys) {
      keys[i] = k;
      this.#counts[i] = 1;
      this.#size++;
      return 0;
    }
    this.#sketch ??= new CountMinSketch();
    return this.#sketch.add(k);
  }

  /** How many times the key was seen (exact, or the sketch's estimate past the limit). */
  count(key: number): number {
    const k = key === 0 ? 1 : key;
    const lo = k >>> 0;
    const hi = (k / 4294967296) >>> 0;
    let i = (Math.imul(lo ^ hi, 0x9e3779b1) >>> 0) & this.#mask;
    for (;;) {
      const cur = this.#keys[i]!;
      if (cur === k) return this.#counts[i]!;
      if (cur === 0) return this.#sketch ? this.#sketch.estimate(k) : 0;
      i = (i + 1) & this.#mask;
    }
  }

  get approximate(): boolean {
    return this.#sketch !== null;
  }

  get exactKeys(): number {
    return this.#size;
  }
}

/**
 * A map from string keys to values capped at `maxKeys`; past the cap, new keys share one overflow key.
 * Used for per-feature / per-user rows, where the overflow row is shown as such.
 */
export class CappedMap<V> {
  readonly #map = new Map<string, V>();
  readonly #maxKeys: number;
  readonly #overflowKey: string;
  #overflowed = false;
  #lastKey: string | null = null;
  #lastValue: V | undefined;

  constructor(maxKeys: number, overflowKey: string) {
    this.#maxKeys = maxKeys;
    this.#overflowKey = overflowKey;
  }

  /** The value for `key` (or the overflow key once full), created with `make` when absent. */
  slot(key: string, make: () => V): V {
    // Logs often repeat a key on consecutive lines (same feature, same model): skip the lookup then.
    if (key === this.#lastKey) return this.#lastValue!;
    let v = this.#map.get(key);
    if (v !== undefined) {
      this.#lastKey = key;
      this.#lastValue = v;
      return v;
    }
    if (this.#map.size >= this.#maxKeys) {
      this.#overflowed = true;
      key = this.#overflowKey;
      v = this.#map.get(key);
      if (v !== undefined) return v;
    }
    v = make();
    this.#map.set(key, v);
    return v;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  get size(): number {
    return this.#map.size;
  }
}
