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

/** The FNV-1a state after `seed` has absorbed a space, then `w`: fnv1a(`${x} ${w}`, s) = fnv1aFrom(fnv1a(x, s), w). */
function fnv1aAfterSpace(h: number, w: string): number {
  h = Math.imul(h ^ 32, 0x01000193) >>> 0;
  for (let i = 0; i < w.length; i++) {
    h ^= w.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const BIGRAM_SEED = 0x9747b28c;

/**
 * Hashed bag of words and bigrams with binary term presence, L2-normalised. Presence beats counts for
 * short prompts, and normalising keeps one long prompt from dominating a gradient step. A bigram's hash
 * is FNV-1a of "first second" computed by continuing the first word's hash, without building the string;
 * the buckets are collected in a typed array, sorted and de-duplicated (the same result as a Set, sorted).
 */
export function hashedNgrams(text: string, opts: HashOptions): SparseVector {
  const mask = opts.dim - 1;
  if ((opts.dim & mask) !== 0 || opts.dim <= 0)
    throw new RangeError(`hash dim must be a power of two, got ${opts.dim}`);
  const words = tokenize(text);
  const bigrams = opts.bigrams !== false;
  const all = new Int32Array(bigrams ? Math.max(0, 2 * words.length - 1) : words.length);
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    all[n++] = fnv1a(w) & mask;
    if (bigrams && i > 0) all[n++] = fnv1aAfterSpace(fnv1a(words[i - 1]!, BIGRAM_SEED), w) & mask;
  }
  all.sort();
  let u = 0;
  for (let i = 0; i < n; i++) if (u === 0 || all[i] !== all[u - 1]) all[u++] = all[i]!;
  const idx = all.slice(0, u);
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
