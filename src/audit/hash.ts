/**
 * A fast non-cryptographic 53-bit string hash (cyrb53's mixing), fed part by part so a prompt is hashed
 * without first being joined or re-serialised. 53 bits keep the key a plain number (cheap Map keys); at
 * a million distinct prompts the chance of any collision is about 1 in 20,000, fine for an estimate.
 */
export class Hash53 {
  #h1: number;
  #h2: number;

  constructor(seed = 0) {
    this.#h1 = 0xdeadbeef ^ seed;
    this.#h2 = 0x41c6ce57 ^ seed;
  }

  add(s: string): this {
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.#h1 = h1;
    this.#h2 = h2;
    return this;
  }

  /** Adds one UTF-16 code unit (same result as `add` of the one-character string). */
  addCode(ch: number): this {
    this.#h1 = Math.imul(this.#h1 ^ ch, 2654435761);
    this.#h2 = Math.imul(this.#h2 ^ ch, 1597334677);
    return this;
  }

  /** Mixes in a 53-bit number (e.g. the digest of a prefix hashed on its own). */
  addNumber(n: number): this {
    const lo = n >>> 0;
    const hi = Math.floor(n / 4294967296) >>> 0;
    this.#h1 = Math.imul(Math.imul(this.#h1 ^ lo, 2654435761) ^ hi, 2654435761);
    this.#h2 = Math.imul(Math.imul(this.#h2 ^ hi, 1597334677) ^ lo, 1597334677);
    return this;
  }

  /** Adds a separator that cannot come from text, so ("ab","c") and ("a","bc") differ. */
  sep(): this {
    this.#h1 = Math.imul(this.#h1 ^ 0x10ffff, 2654435761);
    this.#h2 = Math.imul(this.#h2 ^ 0x10ffff, 1597334677);
    return this;
  }

  digest(): number {
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

export function hashString(s: string, seed = 0): number {
  return new Hash53(seed).add(s).digest();
}
