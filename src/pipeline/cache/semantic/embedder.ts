/**
 * The embedding contract of the semantic cache. Vectors are L2-normalised by every implementation, so a
 * dot product is the cosine similarity; an all-zero vector (a text with no content words) matches nothing.
 */

export interface Embedder {
  /** Stable identifier of the model and its settings; vectors of different ids must never be mixed. */
  readonly id: string;
  readonly dims: number;
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Same as `embed`, plus what the call cost upstream (remote embedders only). */
  embedWithUsage?(texts: string[]): Promise<EmbedResult>;
}

export interface EmbedUsage {
  /** The embedder id (provider model) that was billed. */
  model: string;
  promptTokens: number;
}

export interface EmbedResult {
  vectors: Float32Array[];
  usage: EmbedUsage;
}

/** Scales `v` in place to unit length; leaves an all-zero vector as it is. Returns `v`. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}

/** Dot product of two vectors of the same length. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
