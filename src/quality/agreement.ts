/**
 * Comparing a tactic's answer with the answer to the request as sent, without a model call: structured
 * agreement (labels, numbers, option letters, normalised text — cascade/answer-normalise.ts) and embedding
 * similarity with the semantic cache's offline embedder (hashed words, bigrams and character n-grams; no
 * download, deterministic). That embedder measures wording overlap, not meaning: it suits answers that
 * should say the same thing in much the same words; paraphrases score lower than a neural model would
 * give them, so a judge is the better choice for free-form answers.
 */
import { type AgreementMode, normaliseAnswer } from '../pipeline/cascade/answer-normalise.js';
import { dot } from '../pipeline/cache/semantic/embedder.js';
import { LocalEmbedder } from '../pipeline/cache/semantic/local-embedder.js';
import type { Verdict } from './quality-stores.js';

export interface Comparison {
  verdict: Verdict;
  /** Similarity (embedding) or the judge's score, when the method has one. */
  score: number | null;
  /** Why there is no verdict. */
  error: string | null;
}

/** Structured agreement: the comparable forms of both answers; no form on either side is no verdict. */
export function compareStructured(a: string, b: string, mode: AgreementMode): Comparison {
  const x = normaliseAnswer(a, mode);
  const y = normaliseAnswer(b, mode);
  if (x === null || y === null) return { verdict: 'none', score: null, error: 'no comparable answer' };
  return { verdict: x === y ? 'agree' : 'disagree', score: null, error: null };
}

let embedder: LocalEmbedder | null = null;

/** Cosine similarity of the two answers' offline embeddings; an answer with no content words is no verdict. */
export function compareEmbedding(a: string, b: string, minSimilarity: number): Comparison {
  embedder ??= new LocalEmbedder();
  const x = embedder.embedOne(a);
  const y = embedder.embedOne(b);
  if (isZero(x) || isZero(y))
    return { verdict: 'none', score: null, error: 'an answer with no content words' };
  // Rounded so that identical texts compare at exactly 1 despite float32 sums.
  const sim = Math.min(1, Math.max(-1, Math.round(dot(x, y) * 1e6) / 1e6));
  return { verdict: sim >= minSimilarity ? 'agree' : 'disagree', score: sim, error: null };
}

function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}
