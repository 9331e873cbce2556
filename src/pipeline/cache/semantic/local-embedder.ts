/**
 * The offline default embedder: no key, no model download, deterministic. A text becomes signed feature
 * hashes of its content words (stemmed, synonyms folded), word bigrams and character 3–5-grams, with
 * sublinear term frequency, L2-normalised. It captures wording overlap, not meaning, so it is only safe
 * behind the hit guards; its strength is that identical intent usually shares the key words.
 */
import type { Embedder } from './embedder.js';
import { l2normalize } from './embedder.js';
import { contentTokens } from './text-normalize.js';

export interface LocalEmbedderOptions {
  /** Vector size; a power of two is not required. Default 384. */
  dims?: number;
  /** Weight of a word bigram relative to a word (default 0.55). */
  bigramWeight?: number;
  /** Weight of one character n-gram (default 0.12). */
  charWeight?: number;
  /**
   * Buckets each word is spread over (default 4). With one bucket, two unrelated words that collide
   * look identical; spread over several, a collision moves the cosine by a fraction of a word.
   */
  wordHashes?: number;
}

// FNV-1a with a final avalanche, so that low bits (the bucket) and the top bit (the sign) are independent.
function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEED_WORD = 1;
const SEED_BIGRAM = 2;
const SEED_CHAR = 3;

export class LocalEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly bigramWeight: number;
  private readonly charWeight: number;
  private readonly wordHashes: number;

  constructor(opts: LocalEmbedderOptions = {}) {
    this.dims = opts.dims ?? 384;
    this.bigramWeight = opts.bigramWeight ?? 0.55;
    this.charWeight = opts.charWeight ?? 0.12;
    this.wordHashes = Math.max(1, opts.wordHashes ?? 4);
    this.id = `local-hash-v1/${this.dims}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  /** Synchronous form, for callers that embed many texts in a loop. */
  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dims);
    const tokens = contentTokens(text);
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, n] of counts) {
      this.addSpread(v, t, SEED_WORD, 1 + Math.log(n));
      const padded = `<${t}>`;
      for (let len = 3; len <= 5; len++) {
        for (let i = 0; i + len <= padded.length; i++) {
          this.add(v, hash32(padded.slice(i, i + len), SEED_CHAR), this.charWeight);
        }
      }
    }
    for (let i = 0; i + 1 < tokens.length; i++) {
      this.addSpread(v, `${tokens[i]} ${tokens[i + 1]}`, SEED_BIGRAM, this.bigramWeight);
    }
    return l2normalize(v);
  }

  private addSpread(v: Float32Array, feature: string, seed: number, w: number): void {
    const part = w / Math.sqrt(this.wordHashes);
    for (let k = 0; k < this.wordHashes; k++) this.add(v, hash32(feature, seed + 16 * k), part);
  }

  private add(v: Float32Array, h: number, w: number): void {
    const idx = (h & 0x7fffffff) % this.dims;
    v[idx] = v[idx]! + (h & 0x80000000 ? -w : w);
  }
}
