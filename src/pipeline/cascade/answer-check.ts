/**
 * A learned answer check for a cascade step: boosted trees over the answer's numeric evidence
 * (answer-features.ts) estimate whether the request still needs the stronger model after the cheap one has
 * answered — trained on recorded outcomes with the router's soft label, (1 + strong − cheap) / 2, so an
 * answer the strong model would not have improved is not escalated. Unlike the hashed-token acceptance
 * model (acceptance.ts), trees combine the evidence: a wrong calculator step matters more in a long problem,
 * a fractional final answer more when the question's numbers are whole. On the GSM8K train half (5-fold CV,
 * exact-area APGR of the escalation order) it ranks at 0.808 against 0.730 for the acceptance model
 * (BENCHMARKS.md, round 9). The check runs after the answer is complete, so its cost is the cheap call,
 * which a cascade always pays.
 */
import { z } from 'zod';
import { type GbdtOptions, predictGbdt, trainGbdt, validateEnsemble } from '../route/gbdt.js';
import { ensembleJson, ensembleToJson } from '../route/dual-gbdt.js';
import type { GbdtEnsemble } from '../route/gbdt.js';
import { ANSWER_FEATURE_NAMES, answerFeatures } from './answer-features.js';
import type { Check } from './checks.js';

export interface AnswerCheckModel {
  kind: 'answer-gbdt';
  featureNames: string[];
  /** P(the request needs the strong model | the cheap answer). */
  ensemble: GbdtEnsemble;
  meta: Record<string, string | number | boolean>;
}

export interface AnswerCheckExample {
  answer: string;
  prompt: string;
  /** In [0, 1]: 1 = the strong model was needed (the router's soft label). */
  label: number;
  weight?: number;
}

/** Chosen by 5-fold CV on the GSM8K train half (depth 3 / 200 trees / learning rate 0.03: 0.793). */
export const ANSWER_CHECK_DEFAULTS: GbdtOptions = {
  trees: 100,
  depth: 2,
  learningRate: 0.05,
  minChildWeight: 5,
};

export function trainAnswerCheck(
  examples: readonly AnswerCheckExample[],
  opts: GbdtOptions & { meta?: AnswerCheckModel['meta'] } = {},
): AnswerCheckModel {
  if (examples.length === 0) throw new RangeError('answer check: no examples');
  const { meta, ...o } = opts;
  const gb = { ...ANSWER_CHECK_DEFAULTS, ...o };
  return {
    kind: 'answer-gbdt',
    featureNames: [...ANSWER_FEATURE_NAMES],
    ensemble: trainGbdt(
      examples.map((e) => answerFeatures(e.answer, e.prompt)),
      examples.map((e) => e.label),
      examples.map((e) => e.weight ?? 1),
      gb,
    ),
    meta: { examples: examples.length, trees: gb.trees ?? 0, depth: gb.depth ?? 0, ...(meta ?? {}) },
  };
}

/** Estimated P(the strong model is needed) given the cheap model's answer to `prompt`. */
export function answerNeedsStrong(m: AnswerCheckModel, answer: string, prompt: string): number {
  return predictGbdt(m.ensemble, answerFeatures(answer, prompt));
}

/**
 * A cascade check that passes (keeps the cheap answer) when the estimated need for the strong model is at
 * most `maxNeed`; its score is that estimate. Without the prompt in the context it scores the answer alone.
 */
export function answerCheck(m: AnswerCheckModel, maxNeed: number, name = 'answer-check'): Check {
  return {
    name,
    run: (a, ctx) => {
      const need = answerNeedsStrong(m, a.text, ctx?.prompt ?? '');
      return { name, passed: need <= maxNeed, score: need };
    },
  };
}

const modelJson = z.object({
  kind: z.literal('answer-gbdt'),
  version: z.literal(1),
  featureNames: z.array(z.string()),
  ensemble: ensembleJson,
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export function answerCheckToJson(m: AnswerCheckModel): z.infer<typeof modelJson> {
  return {
    kind: 'answer-gbdt',
    version: 1,
    featureNames: m.featureNames,
    ensemble: ensembleToJson(m.ensemble),
    meta: m.meta,
  };
}

export function answerCheckFromJson(raw: unknown, path: string): AnswerCheckModel {
  const r = modelJson.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TypeError(`answer check ${path}: invalid model (${i?.path.join('.')}: ${i?.message})`);
  }
  const j = r.data;
  if (
    j.featureNames.join(',') !== ANSWER_FEATURE_NAMES.join(',') ||
    j.ensemble.features !== ANSWER_FEATURE_NAMES.length
  ) {
    throw new TypeError(`answer check ${path}: trained with different answer features; retrain it`);
  }
  validateEnsemble(j.ensemble, `${path}.ensemble`);
  return { kind: 'answer-gbdt', featureNames: j.featureNames, ensemble: j.ensemble, meta: j.meta };
}
