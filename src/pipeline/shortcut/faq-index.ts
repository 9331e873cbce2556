/**
 * FAQ matching: a question is compared with every question variant of every entry — an exact match after
 * normalisation, else the cosine of the local embedder's vectors (word, bigram and character n-gram
 * overlap) — and the best candidates above the threshold must pass the semantic cache's own hit guards
 * (negation, numbers, dates, entities …). A doubt means no answer, which only costs an LLM call.
 */
import { dot } from '../cache/semantic/embedder.js';
import { type TextFeatures, analyzeText, compareFeatures } from '../cache/semantic/guards.js';
import { LocalEmbedder } from '../cache/semantic/local-embedder.js';
import type { FaqEntry } from './faq-file.js';

export interface FaqMatch {
  entry: FaqEntry;
  /** The variant that matched. */
  question: string;
  score: number;
  method: 'exact' | 'similar';
}

export interface FaqLookup {
  match: FaqMatch | null;
  best?: number;
  /** Why the best candidate above the threshold was refused (first guard that said no). */
  rejectedBy?: string;
}

interface Variant {
  entry: FaqEntry;
  question: string;
  norm: string;
  vector: Float32Array;
  features: TextFeatures;
}

export interface FaqIndexOptions {
  threshold: number;
  /** Candidates checked by the guards. Default 5. */
  topK?: number;
  /** Longer questions are not FAQ questions. Default 500 characters. */
  maxChars?: number;
}

/** Case, punctuation and spacing folded — nothing else, so "not" and numbers still tell questions apart. */
export function exactKey(q: string): string {
  return q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export class FaqIndex {
  private readonly variants: Variant[] = [];
  private readonly exact = new Map<string, Variant>();
  private readonly embedder = new LocalEmbedder();

  constructor(
    entries: readonly FaqEntry[],
    private readonly opts: FaqIndexOptions,
  ) {
    for (const entry of entries) {
      for (const question of entry.questions) {
        const v: Variant = {
          entry,
          question,
          norm: exactKey(question),
          vector: this.embedder.embedOne(question),
          features: analyzeText(question),
        };
        this.variants.push(v);
        if (!this.exact.has(v.norm)) this.exact.set(v.norm, v);
      }
    }
  }

  get size(): number {
    return this.variants.length;
  }

  lookup(query: string, threshold = this.opts.threshold): FaqLookup {
    const q = query.trim();
    if (q === '' || q.length > (this.opts.maxChars ?? 500)) return { match: null };
    const hit = this.exact.get(exactKey(q));
    if (hit)
      return { match: { entry: hit.entry, question: hit.question, score: 1, method: 'exact' }, best: 1 };
    const qv = this.embedder.embedOne(q);
    const scored = this.variants
      .map((v) => ({ v, score: dot(qv, v.vector) }))
      .sort((a, b) => b.score - a.score);
    const out: FaqLookup = { match: null };
    if (scored.length === 0) return out;
    out.best = scored[0]!.score;
    const features = analyzeText(q);
    for (const { v, score } of scored.slice(0, this.opts.topK ?? 5)) {
      if (score < threshold) break;
      const verdict = compareFeatures(features, v.features);
      if (!verdict.ok) {
        out.rejectedBy ??= verdict.reason;
        continue;
      }
      out.match = { entry: v.entry, question: v.question, score, method: 'similar' };
      return out;
    }
    return out;
  }
}
