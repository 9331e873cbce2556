/**
 * Stable string hashes and hashed sparse n-gram vectors for the trainable router. 32-bit FNV-1a is
 * stable across Node versions and platforms (unlike any built-in string hash), so a model trained
 * offline scores the same prompt identically in the gateway.
 */
import { tokenize } from './tokenize.js';

/** 32-bit FNV-1a over UTF-16 code units. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output (FNV-1a's low bit is only a parity). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit hash of a string. */
export function hash32(s: string): number {
  return fmix32(fnv1a(s));
}

/** A sparse vector: sorted unique indices with their values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
}

export interface HashOptions {
  /** Number of buckets; a power of two. */
  dim: number;
  /** Add word bigrams besides unigrams. Default true. */
  bigrams?: boolean;
  /** Scale to unit L2 norm. Default true. */
  normalize?: boolean;
}

/**
 * Hashed bag of words and bigrams with binary term presence, L2-normalised. Presence beats counts for
 * short prompts, and normalising keeps one long prompt from dominating a gradient step.
 */
export function hashedNgrams(text: string, opts: HashOptions): SparseVector {
  const mask = opts.dim - 1;
  if ((opts.dim & mask) !== 0 || opts.dim <= 0)
    throw new RangeError(`hash dim must be a power of two, got ${opts.dim}`);
  const words = tokenize(text);
  const seen = new Set<number>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    seen.add(fnv1a(w) & mask);
    if (opts.bigrams !== false && i > 0) seen.add(fnv1a(`${words[i - 1]!} ${w}`, 0x9747b28c) & mask);
  }
  const idx = Int32Array.from([...seen].sort((a, b) => a - b));
  const val = new Float64Array(idx.length);
  const v = opts.normalize === false || idx.length === 0 ? 1 : 1 / Math.sqrt(idx.length);
  val.fill(v);
  return { idx, val };
}

/** Dot product of two sparse vectors (both with sorted indices). */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const ai = a.idx[i]!;
    const bj = b.idx[j]!;
    if (ai === bj) {
      s += a.val[i]! * b.val[j]!;
      i++;
      j++;
    } else if (ai < bj) i++;
    else j++;
  }
  return s;
}
