/**
 * The difficulty router of a feature: the built-in heuristic scorer or a trained model loaded once at
 * start-up (`router: heuristic | <path to model JSON>`), and the threshold that splits cheap from strong.
 * A model file that is missing or does not parse is a ConfigError naming the field, never a silent
 * fallback to the heuristic.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { loadModel, predict, type RouterModel } from './classifier.js';
import { heuristicScore } from './heuristic-scorer.js';
import { pickTier } from './tiers.js';

export interface DifficultyRouter {
  /** "heuristic" or the model file's path. */
  name: string;
  score(text: string): number;
}

export interface DifficultyDecision {
  router: string;
  score: number;
  /** The tier list (cheapest first) and the minimum score of each tier above the first. */
  tiers: readonly string[];
  minScores: readonly number[];
  /** Index into `tiers` (`pickTier`): 0 = the cheapest. */
  tierIndex: number;
  /** The route configured `tiers` (not cheap / strong). */
  tiered?: boolean;
  /** Where a calibrated threshold came from, and the strong share it aims at. */
  calibration?: { source: 'live' | 'sample' | 'fixed'; targetShare?: number };
}

const HEURISTIC: DifficultyRouter = { name: 'heuristic', score: heuristicScore };

export function loadDifficultyRouter(spec: string, path: string, baseDir: string): DifficultyRouter {
  if (spec === 'heuristic') return HEURISTIC;
  const file = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  let model: RouterModel;
  try {
    model = loadModel(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(path, `cannot load router model ${file}: ${(e as Error).message}`, e);
  }
  return { name: spec, score: (text) => predict(model, text) };
}

export function decideDifficulty(
  router: DifficultyRouter,
  text: string,
  tiers: readonly string[],
  minScores: readonly number[],
): DifficultyDecision {
  const score = router.score(text);
  return { router: router.name, score, tiers, minScores, tierIndex: pickTier(score, minScores) };
}
