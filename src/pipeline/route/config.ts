/**
 * Routing: the per-feature policy (under `features.<name>.route` in the config) and the global settings
 * (under `route` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * Model names are checked later, against the providers and the price catalog (`compile-route.ts`), because
 * the schema cannot see either.
 */
import { z } from 'zod';

const tokens = z.number().int().nonnegative();
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const retrySchema = z.strictObject({
  /** Retries of the same target on 429 / 5xx / timeouts / connection failures, before the next target. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  baseDelayMs: z.number().int().min(0).default(200),
  maxDelayMs: z.number().int().min(0).default(4000),
  /** A `retry-after` longer than this skips to the next target instead of waiting. */
  retryAfterCapMs: z.number().int().min(0).default(10_000),
});

/** Conditions of a rule; all given ones must hold (an empty `when` matches every request). */
export const ruleMatchSchema = z.strictObject({
  /** Task type: header `x-penny-task`, else the feature's `route.task`. */
  task: oneOrMany.optional(),
  minPromptTokens: tokens.optional(),
  maxPromptTokens: tokens.optional(),
  tools: z.boolean().optional(),
  images: z.boolean().optional(),
  /** JSON output asked for (`response_format` json_object / json_schema). */
  json: z.boolean().optional(),
  /** Regular expression tested on the last user message. */
  pattern: z.string().min(1).optional(),
  patternFlags: z
    .string()
    .regex(/^[imsu]*$/, 'flags from i, m, s, u')
    .optional(),
  /** User tier: header `x-penny-tier`. */
  tier: oneOrMany.optional(),
  /** Budget state set by the budget guard (`ok`, `warning`, `exceeded` …). */
  budget: oneOrMany.optional(),
});

export const routeRuleSchema = z.strictObject({
  name: z.string().min(1).optional(),
  when: ruleMatchSchema.prefault({}),
  /** Models ("gpt-4o-mini" or "provider/model"), in order of preference. */
  targets: z.array(z.string().min(1)).min(1),
  /** `cheapest`: the cheapest target that fits this request first; `ordered`: the first that fits. */
  choose: z.enum(['cheapest', 'ordered']).default('cheapest'),
  /** Output tokens assumed when comparing prices (default: the feature's, then the global one). */
  expectedOutputTokens: tokens.optional(),
});

export const tierSchema = z.strictObject({
  model: z.string().min(1),
  /** Scores at or above this reach this tier (not given on the first tier, which takes the rest). */
  minScore: z.number().optional(),
});

const routeFeatureBase = z.strictObject({
  /** This feature's task type, when the client sends no `x-penny-task` header. */
  task: z.string().min(1).optional(),
  /** Rules, first match wins. */
  rules: z.array(routeRuleSchema).default([]),
  /** Difficulty router for requests no rule matched: `heuristic` or the path of a trained model JSON. */
  router: z.string().min(1).optional(),
  /** Scores at or above this go to `strong`, below it to `cheap` (until a calibrated threshold exists). */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Calibrate the threshold so this share of the feature's requests goes to `strong` (e.g. 0.3). */
  targetStrongShare: z.number().min(0).max(1).optional(),
  /** Or: calibrate it so the mean estimated $ per request meets this (USD, e.g. "0.002"). */
  targetCostUsd: z
    .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount in USD')])
    .transform(Number)
    .optional(),
  calibration: z
    .strictObject({
      /** Prompts to calibrate on at start-up: text (one a line), JSONL with "prompt"/"text", or an outcome file. */
      sample: z.string().min(1).optional(),
      /** Recent requests whose scores set the threshold (seeded from the ledger at start-up). */
      window: z.number().int().min(10).max(100_000).default(500),
      /** Recent scores needed before they replace the sample (or the fixed threshold). */
      minSamples: z.number().int().min(1).default(50),
      /** Seed the window from the ledger's recent requests of this feature (same router). */
      fromLedger: z.boolean().default(true),
    })
    .optional(),
  cheap: z.string().min(1).optional(),
  strong: z.string().min(1).optional(),
  /**
   * Instead of `cheap` / `strong`: N models, cheapest first; each tier above the first has the minimum
   * router score that reaches it (`penny router calibrate` sets them from recorded outcomes).
   */
  tiers: z.array(tierSchema).min(2).optional(),
  expectedOutputTokens: tokens.optional(),
  retry: retrySchema.optional(),
});

export const routeFeatureSchema = routeFeatureBase.superRefine((v, ctx) => {
  if (v.targetStrongShare !== undefined && v.targetCostUsd !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetCostUsd'],
      message: 'give targetStrongShare or targetCostUsd, not both',
    });
  }
  if ((v.targetStrongShare !== undefined || v.targetCostUsd !== undefined) && v.router === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [v.targetStrongShare !== undefined ? 'targetStrongShare' : 'targetCostUsd'],
      message: 'a calibrated threshold needs a difficulty `router`',
    });
  }
  if (v.calibration !== undefined && v.targetStrongShare === undefined && v.targetCostUsd === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['calibration'],
      message: 'calibration needs targetStrongShare or targetCostUsd',
    });
  }
  if (v.tiers !== undefined) {
    tierIssues(v, ctx);
    return;
  }
  if (v.router !== undefined && (v.cheap === undefined || v.strong === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [v.cheap === undefined ? 'cheap' : 'strong'],
      message: 'a difficulty router needs both `cheap` and `strong` targets',
    });
  }
});

function tierIssues(v: z.output<typeof routeFeatureBase>, ctx: z.RefinementCtx): void {
  const tiers = v.tiers!;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (v.router === undefined) issue(['router'], '`tiers` need a difficulty `router`');
  for (const k of ['cheap', 'strong', 'targetStrongShare', 'targetCostUsd', 'calibration'] as const) {
    if (v[k] !== undefined) {
      issue(
        [k],
        `give \`tiers\` or \`${k}\`, not both (tier thresholds come from \`penny router calibrate\`)`,
      );
    }
  }
  if (tiers[0]!.minScore !== undefined) {
    issue(['tiers', 0, 'minScore'], 'the first tier takes every score below the second; it has no minScore');
  }
  for (let i = 1; i < tiers.length; i++) {
    const m = tiers[i]!.minScore;
    const prev = i > 1 ? tiers[i - 1]!.minScore : undefined;
    if (m === undefined) issue(['tiers', i, 'minScore'], 'required on every tier but the first');
    else if (prev !== undefined && m < prev) {
      issue(['tiers', i, 'minScore'], `must be at least tiers[${i - 1}].minScore (${prev})`);
    }
  }
  const seen = new Set<string>();
  for (const [i, t] of tiers.entries()) {
    if (seen.has(t.model)) issue(['tiers', i, 'model'], `${t.model} is already a tier`);
    seen.add(t.model);
  }
}

export const routeGlobalSchema = z.strictObject({
  /** Named fallback chains: model → models to try when it fails (chains are followed; cycles are errors). */
  fallbacks: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  retry: retrySchema.prefault({}),
  /** Output tokens assumed when comparing prices, unless a rule or feature says otherwise. */
  expectedOutputTokens: tokens.default(256),
});

export type RetryConfig = z.output<typeof retrySchema>;
export type RouteRuleConfig = z.output<typeof routeRuleSchema>;
export type RouteFeatureConfig = z.output<typeof routeFeatureSchema>;
export type RouteGlobalConfig = z.output<typeof routeGlobalSchema>;
