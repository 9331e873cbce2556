/**
 * Start-up side of calibrated thresholds: reads the sample of prompts a feature names
 * (`route.calibration.sample`), scores it with the feature's router, estimates each prompt's cheap and
 * strong $ (prompt chars / 4 tokens plus the expected output, at catalog prices), and builds the
 * `ThresholdCalibrator`; and, once the ledger is open, seeds it with the feature's recent scores.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { moneyToNumber } from '../../core/money.js';
import type { Ledger } from '../../ledger/ledger.js';
import { estimateCost } from '../../pricing/cost.js';
import { ThresholdCalibrator } from './calibration.js';
import type { RouteFeatureConfig } from './config.js';
import type { DifficultyRouter } from './difficulty.js';
import type { ModelRegistry } from './model-registry.js';

/** Prompts of a sample file: JSONL lines with "prompt" or "text" (outcome files included), else one prompt a line. */
export function readSamplePrompts(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => {
    if (l.trimStart().startsWith('{')) {
      try {
        const v = JSON.parse(l) as { prompt?: unknown; text?: unknown };
        if (typeof v.prompt === 'string') return v.prompt;
        if (typeof v.text === 'string') return v.text;
      } catch {
        // Not JSON: the line is the prompt.
      }
    }
    return l;
  });
}

export function buildCalibrator(
  cfg: RouteFeatureConfig,
  router: DifficultyRouter,
  models: ModelRegistry,
  path: string,
  baseDir: string,
  globalExpectedOutput: number,
): ThresholdCalibrator {
  const cal = cfg.calibration ?? { window: 500, minSamples: 50, fromLedger: true };
  let sample: { scores: number[]; cheapUsd: number[]; strongUsd: number[] } | undefined;
  if (cal.sample !== undefined) {
    const file = isAbsolute(cal.sample) ? cal.sample : resolve(baseDir, cal.sample);
    let prompts: string[];
    try {
      prompts = readSamplePrompts(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${path}.calibration.sample`, `cannot read ${file}: ${(e as Error).message}`, e);
    }
    if (prompts.length === 0) throw new ConfigError(`${path}.calibration.sample`, `${file} has no prompts`);
    const out = cfg.expectedOutputTokens ?? globalExpectedOutput;
    const usd = (model: string, chars: number) => {
      const c = estimateCost(Math.ceil(chars / 4), out, models.price(model));
      return c === null ? 0 : moneyToNumber(c);
    };
    if (cfg.targetCostUsd !== undefined && (!models.price(cfg.cheap!) || !models.price(cfg.strong!))) {
      throw new ConfigError(
        `${path}.targetCostUsd`,
        'a cost target needs catalog prices for `cheap` and `strong`',
      );
    }
    sample = {
      scores: prompts.map((p) => router.score(p)),
      cheapUsd: prompts.map((p) => usd(cfg.cheap!, p.length)),
      strongUsd: prompts.map((p) => usd(cfg.strong!, p.length)),
    };
  }
  return new ThresholdCalibrator({
    ...(cfg.targetStrongShare !== undefined ? { targetStrongShare: cfg.targetStrongShare } : {}),
    ...(cfg.targetCostUsd !== undefined ? { targetCostUsd: cfg.targetCostUsd } : {}),
    window: cal.window,
    minSamples: Math.min(cal.minSamples, cal.window),
    fallback: cfg.threshold,
    ...(sample ? { sample } : {}),
  });
}

/**
 * Seeds a share-target calibrator with the router scores the ledger recorded for this feature in the last
 * week (`meta.route.score`, same router). Cost targets are not seeded: the ledger keeps no per-request
 * cheap/strong estimate, so they start from the sample and live traffic.
 */
export async function seedFromLedger(
  ledger: Ledger,
  feature: string,
  router: string,
  calibrator: ThresholdCalibrator,
): Promise<number> {
  if (calibrator.opts.targetStrongShare === undefined) return 0;
  const entries = await ledger.query({ feature, from: Date.now() - 7 * 86_400_000 });
  const scores: { ts: number; s: number }[] = [];
  for (const e of entries) {
    const r = e.meta?.route as { router?: unknown; score?: unknown } | undefined;
    if (r && r.router === router && typeof r.score === 'number') scores.push({ ts: e.ts, s: r.score });
  }
  scores.sort((a, b) => a.ts - b.ts);
  calibrator.seed(scores.map((x) => x.s));
  return scores.length;
}
