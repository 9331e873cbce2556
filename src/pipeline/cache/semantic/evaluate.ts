/**
 * Scores the semantic cache on a labelled set of text pairs ("hit": same intent, "miss": a near-miss
 * that must not be served). Two views: pairwise (store `a`, look up `b`, nothing else in the cache) and
 * pooled (every `a` in one scope, every `b` looked up against all of them, so a query can also be
 * answered by the wrong entry). The split into development and test halves is a hash of the pair, so it
 * is stable and independent of the file order.
 */
import { createHash } from 'node:crypto';
import type { Embedder } from './embedder.js';
import { dot } from './embedder.js';
import type { GuardKind, GuardVerdict } from './guards.js';
import { analyzeText, compareFeatures } from './guards.js';
import type { SemanticScope } from './scope.js';
import { SemanticCache } from './semantic-cache.js';
import { VectorIndex } from './vector-index.js';

export type PairKind = 'paraphrase' | 'negation' | 'number' | 'date' | 'entity' | 'instruction' | 'antonym';

export interface LabelledPair {
  a: string;
  b: string;
  label: 'hit' | 'miss';
  kind: PairKind;
}

const KINDS = new Set<string>([
  'paraphrase',
  'negation',
  'number',
  'date',
  'entity',
  'instruction',
  'antonym',
]);

/** Parses and validates the JSONL fixture (one pair per line). */
export function parsePairs(jsonl: string): LabelledPair[] {
  const out: LabelledPair[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const v = JSON.parse(line) as Record<string, unknown>;
    const { a, b, label, kind } = v;
    if (typeof a !== 'string' || typeof b !== 'string' || (label !== 'hit' && label !== 'miss')) {
      throw new Error(`pairs line ${i + 1}: expected {a, b, label: "hit" | "miss", kind}`);
    }
    if (typeof kind !== 'string' || !KINDS.has(kind))
      throw new Error(`pairs line ${i + 1}: unknown kind ${String(kind)}`);
    out.push({ a, b, label, kind: kind as PairKind });
  });
  return out;
}

export type Split = 'dev' | 'test';

export function splitOf(pair: LabelledPair): Split {
  return createHash('sha256').update(`${pair.a}\n${pair.b}`).digest()[0]! % 2 === 0 ? 'dev' : 'test';
}

export interface PairScore {
  pair: LabelledPair;
  /** Cosine similarity of the two texts. */
  score: number;
  /** The guards' verdict with `b` as the query and `a` as the cached text. */
  verdict: GuardVerdict;
}

export async function scorePairs(embedder: Embedder, pairs: readonly LabelledPair[]): Promise<PairScore[]> {
  const va = await embedder.embed(pairs.map((p) => p.a));
  const vb = await embedder.embed(pairs.map((p) => p.b));
  return pairs.map((pair, i) => ({
    pair,
    score: dot(va[i]!, vb[i]!),
    verdict: compareFeatures(analyzeText(pair.b), analyzeText(pair.a)),
  }));
}

export interface PairMetrics {
  threshold: number;
  paraphrases: number;
  nearMisses: number;
  /** Paraphrase pairs served. */
  truePositives: number;
  /** Near-miss pairs served: wrong answers. */
  falseHits: number;
  recall: number;
  precision: number;
  /** Near-misses whose similarity reached the threshold, i.e. that only the guards stopped. */
  stoppedByGuards: number;
  /** Paraphrases above the threshold that a guard rejected. */
  paraphrasesRejectedByGuards: number;
  falseHitsByKind: Partial<Record<PairKind, number>>;
  guardRejections: Partial<Record<GuardKind, number>>;
}

export function metricsAt(scores: readonly PairScore[], threshold: number): PairMetrics {
  let paraphrases = 0;
  let nearMisses = 0;
  let tp = 0;
  let fp = 0;
  let stopped = 0;
  let rejectedParaphrases = 0;
  const falseHitsByKind: Partial<Record<PairKind, number>> = {};
  const guardRejections: Partial<Record<GuardKind, number>> = {};
  for (const s of scores) {
    const above = s.score >= threshold;
    if (above && !s.verdict.ok && s.verdict.kind) {
      guardRejections[s.verdict.kind] = (guardRejections[s.verdict.kind] ?? 0) + 1;
    }
    if (s.pair.label === 'hit') {
      paraphrases++;
      if (above && s.verdict.ok) tp++;
      if (above && !s.verdict.ok) rejectedParaphrases++;
    } else {
      nearMisses++;
      if (above && s.verdict.ok) {
        fp++;
        falseHitsByKind[s.pair.kind] = (falseHitsByKind[s.pair.kind] ?? 0) + 1;
      }
      if (above && !s.verdict.ok) stopped++;
    }
  }
  return {
    threshold,
    paraphrases,
    nearMisses,
    truePositives: tp,
    falseHits: fp,
    recall: paraphrases === 0 ? 0 : tp / paraphrases,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    stoppedByGuards: stopped,
    paraphrasesRejectedByGuards: rejectedParaphrases,
    falseHitsByKind,
    guardRejections,
  };
}

export interface PoolResult {
  threshold: number;
  entries: number;
  /** Paraphrase queries answered by their own pair's entry. */
  correct: number;
  /** Paraphrase queries answered by some other entry. */
  wrongEntry: number;
  /** Near-miss queries answered by any entry. */
  falseHits: number;
  paraphrases: number;
  nearMisses: number;
  /** The wrong answers, for inspection. */
  wrong: Array<{ query: string; served: string; score: number; kind: PairKind }>;
}

const POOL_SCOPE: SemanticScope = {
  modelFamily: 'eval',
  systemHash: 'eval',
  toolsHash: 'eval',
  prefixHash: 'eval',
  namespace: 'eval',
};

/** Stores every distinct `a` in one scope and looks up every `b` through the real SemanticCache. */
export async function poolEvaluate(
  embedder: Embedder,
  pairs: readonly LabelledPair[],
  threshold: number,
): Promise<PoolResult> {
  const cache = new SemanticCache({ embedder, index: new VectorIndex({ dims: embedder.dims }) });
  const idOf = new Map<string, string>();
  for (const p of pairs) {
    if (idOf.has(p.a)) continue;
    const id = `e${idOf.size}`;
    idOf.set(p.a, id);
    await cache.store({ scope: POOL_SCOPE, text: p.a, id });
  }
  const result: PoolResult = {
    threshold,
    entries: idOf.size,
    correct: 0,
    wrongEntry: 0,
    falseHits: 0,
    paraphrases: 0,
    nearMisses: 0,
    wrong: [],
  };
  for (const p of pairs) {
    const r = await cache.lookup({ scope: POOL_SCOPE, text: p.b, threshold });
    const hit = r.hit;
    if (p.label === 'hit') {
      result.paraphrases++;
      if (hit === null) continue;
      if (hit.entryText === p.a) result.correct++;
      else {
        result.wrongEntry++;
        result.wrong.push({ query: p.b, served: hit.entryText, score: hit.score, kind: p.kind });
      }
    } else {
      result.nearMisses++;
      if (hit !== null) {
        result.falseHits++;
        result.wrong.push({ query: p.b, served: hit.entryText, score: hit.score, kind: p.kind });
      }
    }
  }
  return result;
}
