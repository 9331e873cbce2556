/**
 * Start-up compilation of every feature's `route` section: rules with their regexes, the difficulty
 * router, and every model name checked against the providers and the catalog, so a typo in a model name
 * stops `penny serve` with the field's path instead of failing requests later.
 */
import { ConfigError } from '../../core/errors.js';
import type { RetryConfig, RouteFeatureConfig, RouteGlobalConfig } from './config.js';
import { buildCalibrator } from './calibration-sample.js';
import type { ThresholdCalibrator } from './calibration.js';
import { type DifficultyRouter, loadDifficultyRouter } from './difficulty.js';
import { expandFallbacks, type FallbackChains } from './fallback-chains.js';
import type { ModelRegistry } from './model-registry.js';
import { type CompiledRule, compileRule, rulesNeedTokens } from './rules.js';

export interface CompiledRoute {
  task: string | null;
  rules: CompiledRule[];
  difficulty: {
    router: DifficultyRouter;
    /** Models cheapest first: `[cheap, strong]`, or the configured `tiers`. */
    tiers: string[];
    /** Minimum score of each tier above the first (`pickTier`): `[threshold]` for cheap / strong. */
    minScores: number[];
    /** The route lists `tiers` (recorded as a tier index rather than strong / weak). */
    tiered: boolean;
    /** Set when the cheap / strong threshold is calibrated to a target share or cost (`calibration.ts`). */
    calibrator?: ThresholdCalibrator;
  } | null;
  expectedOutputTokens: number;
  retry: RetryConfig;
  /** Rules test the prompt's token count. */
  needsTokens: boolean;
}

export function compileRoute(
  cfg: RouteFeatureConfig,
  global: RouteGlobalConfig,
  models: ModelRegistry,
  path: string,
  baseDir: string,
): CompiledRoute {
  const rules = cfg.rules.map((r, i) => {
    const p = `${path}.rules[${i}]`;
    for (const [j, t] of r.targets.entries()) models.validate(t, `${p}.targets[${j}]`);
    return compileRule(r, p, i);
  });
  let difficulty: CompiledRoute['difficulty'] = null;
  if (cfg.router !== undefined && cfg.tiers !== undefined) {
    for (const [i, t] of cfg.tiers.entries()) models.validate(t.model, `${path}.tiers[${i}].model`);
    difficulty = {
      router: loadDifficultyRouter(cfg.router, `${path}.router`, baseDir),
      tiers: cfg.tiers.map((t) => t.model),
      minScores: cfg.tiers.slice(1).map((t) => t.minScore ?? Number.POSITIVE_INFINITY),
      tiered: true,
    };
  } else if (cfg.router !== undefined) {
    if (cfg.cheap === undefined || cfg.strong === undefined) {
      throw new ConfigError(path, 'a difficulty router needs both `cheap` and `strong` targets');
    }
    models.validate(cfg.cheap, `${path}.cheap`);
    models.validate(cfg.strong, `${path}.strong`);
    const router = loadDifficultyRouter(cfg.router, `${path}.router`, baseDir);
    difficulty = {
      router,
      tiers: [cfg.cheap, cfg.strong],
      minScores: [cfg.threshold],
      tiered: false,
    };
    if (cfg.targetStrongShare !== undefined || cfg.targetCostUsd !== undefined) {
      difficulty.calibrator = buildCalibrator(
        cfg,
        router,
        models,
        path,
        baseDir,
        global.expectedOutputTokens,
      );
    }
  } else if (cfg.cheap !== undefined || cfg.strong !== undefined) {
    throw new ConfigError(`${path}.router`, '`cheap` / `strong` need a `router` (heuristic or a model file)');
  }
  return {
    task: cfg.task ?? null,
    rules,
    difficulty,
    expectedOutputTokens: cfg.expectedOutputTokens ?? global.expectedOutputTokens,
    retry: cfg.retry ?? global.retry,
    needsTokens: rulesNeedTokens(rules),
  };
}

/** Checks every model named in the chains and expands them (cycles are ConfigErrors). */
export function compileFallbacks(global: RouteGlobalConfig, models: ModelRegistry): FallbackChains {
  for (const [from, chain] of Object.entries(global.fallbacks)) {
    models.validate(from, `route.fallbacks.${from}`);
    for (const [i, m] of chain.entries()) models.validate(m, `route.fallbacks.${from}[${i}]`);
  }
  return expandFallbacks(global.fallbacks);
}
