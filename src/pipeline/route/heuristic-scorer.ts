/**
 * The built-in difficulty score: a hand-weighted logistic over prompt features, in [0, 1], needing no
 * training data. Higher means "more likely to need the strong model". Every contribution is capped, so
 * one pathological feature (a 50-number table, a pasted log) cannot pin the score at 1 on its own.
 */
import { extractFeatures, type PromptFeatures } from './features.js';

export interface HeuristicBreakdown {
  score: number;
  /** Logit contributions by feature name (before the sigmoid), for the ledger and for debugging. */
  parts: Record<string, number>;
}

const BIAS = -1.2;

export function heuristicBreakdown(f: PromptFeatures): HeuristicBreakdown {
  const cap = (x: number, hi: number) => Math.min(x, hi);
  const parts: Record<string, number> = {
    length: 0.55 * (Math.log1p(f.words) - Math.log1p(60)),
    longestSentence: 0.02 * cap(Math.max(0, f.maxSentenceWords - 25), 40),
    numbers: 0.18 * cap(f.distinctNumbers, 10),
    math: 0.1 * cap(f.mathSymbols, 10),
    multiStep: 0.12 * cap(f.multiStepCues, 10),
    code: 0.25 * cap(f.codeMarkers, 6),
    reasoning: 0.35 * cap(f.reasoningVerbs, 3),
    negationTrap: f.optionCount >= 2 && f.negationCues > 0 ? 0.45 : 0,
    questions: 0.15 * cap(Math.max(0, f.questionMarks - 1), 4),
    domain:
      0.2 * cap(f.domainMath, 4) +
      0.15 * cap(f.domainScience, 4) +
      0.15 * cap(f.domainLaw, 4) +
      0.15 * cap(f.domainCode, 4) +
      0.1 * cap(f.domainMedicine, 4),
    creative: -0.2 * cap(f.creativeCues, 3),
  };
  let z = BIAS;
  for (const v of Object.values(parts)) z += v;
  return { score: 1 / (1 + Math.exp(-z)), parts };
}

/** Difficulty in [0, 1] of a prompt; deterministic. */
export function heuristicScore(text: string): number {
  return heuristicBreakdown(extractFeatures(text)).score;
}
