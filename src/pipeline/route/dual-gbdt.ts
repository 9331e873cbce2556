/**
 * The `dual-gbdt` router: the two heads of the `dual` router — P(the strong model's answer is right) and
 * P(the cheap model's is) — as gradient-boosted trees over the dense prompt features (dense-features.ts)
 * instead of logistic regression over hashed n-grams. Trees find thresholds and interactions (a long
 * prompt with many numbers) a linear model cannot; they see no words, so they learn no topics.
 */
import { z } from 'zod';
import { DENSE_FEATURE_NAMES, denseVector } from './dense-features.js';
import { type GbdtEnsemble, type GbdtOptions, predictGbdt, trainGbdt, validateEnsemble } from './gbdt.js';

export interface DualGbdtModel {
  kind: 'dual-gbdt';
  featureNames: string[];
  strong: GbdtEnsemble;
  cheap: GbdtEnsemble;
  meta: Record<string, string | number | boolean>;
}

export interface DualGbdtExample {
  text: string;
  cheap?: number;
  strong?: number;
  weight?: number;
}

/** Defaults chosen by 2-fold CV inside the shared datasets' train halves (BENCHMARKS.md, router section). */
export const DUAL_GBDT_DEFAULTS: GbdtOptions = {
  trees: 100,
  depth: 2,
  learningRate: 0.03,
  minChildWeight: 10,
};

export function trainDualGbdt(
  examples: readonly DualGbdtExample[],
  opts: GbdtOptions & { meta?: DualGbdtModel['meta'] } = {},
): DualGbdtModel {
  if (examples.length === 0) throw new RangeError('dual-gbdt: no examples');
  examples.forEach((e, i) => {
    for (const k of ['cheap', 'strong'] as const) {
      const v = e[k];
      if (v === undefined || !Number.isFinite(v) || v < 0 || v > 1) {
        throw new RangeError(
          `dual-gbdt router: example ${i + 1} has no "${k}" outcome in [0, 1]; it learns from recorded outcomes of both models, not from single labels`,
        );
      }
    }
  });
  const { meta, ...o } = opts;
  const gb = { ...DUAL_GBDT_DEFAULTS, ...o };
  const rows = examples.map((e) => denseVector(e.text));
  const weights = examples.map((e) => e.weight ?? 1);
  return {
    kind: 'dual-gbdt',
    featureNames: [...DENSE_FEATURE_NAMES],
    strong: trainGbdt(
      rows,
      examples.map((e) => e.strong!),
      weights,
      gb,
    ),
    cheap: trainGbdt(
      rows,
      examples.map((e) => e.cheap!),
      weights,
      gb,
    ),
    meta: { examples: examples.length, trees: gb.trees ?? 0, depth: gb.depth ?? 0, ...(meta ?? {}) },
  };
}

/** (P(strong right) + 1 − P(cheap right)) / 2, as the `dual` router. */
export function predictDualGbdt(m: DualGbdtModel, text: string): number {
  const x = denseVector(text);
  return (predictGbdt(m.strong, x) + 1 - predictGbdt(m.cheap, x)) / 2;
}

const round = (v: number) => Number(v.toPrecision(7));
const treeJson = z.object({
  feature: z.array(z.number().int().min(-1)),
  threshold: z.array(z.number()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: z.array(z.number()),
});
const ensembleJson = z.object({
  features: z.number().int().positive(),
  base: z.number(),
  trees: z.array(treeJson),
});
const modelJson = z.object({
  kind: z.literal('dual-gbdt'),
  version: z.literal(1),
  featureNames: z.array(z.string()),
  strong: ensembleJson,
  cheap: ensembleJson,
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

function ensembleToJson(e: GbdtEnsemble): z.infer<typeof ensembleJson> {
  return {
    features: e.features,
    base: round(e.base),
    trees: e.trees.map((t) => ({
      feature: t.feature,
      // Thresholds are kept exact: rounding one could move a training value to the other side.
      threshold: t.threshold,
      left: t.left,
      right: t.right,
      value: t.value.map(round),
    })),
  };
}

export function dualGbdtToJson(m: DualGbdtModel) {
  return {
    kind: 'dual-gbdt' as const,
    version: 1 as const,
    featureNames: m.featureNames,
    strong: ensembleToJson(m.strong),
    cheap: ensembleToJson(m.cheap),
    meta: m.meta,
  };
}

export function dualGbdtFromJson(raw: unknown, path: string): DualGbdtModel {
  const r = modelJson.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TypeError(
      `router model ${path}: invalid dual-gbdt model (${i?.path.join('.')}: ${i?.message})`,
    );
  }
  const j = r.data;
  if (j.featureNames.join(',') !== DENSE_FEATURE_NAMES.join(',')) {
    throw new TypeError(`router model ${path}: trained with different dense features; retrain it`);
  }
  for (const head of ['strong', 'cheap'] as const) {
    if (j[head].features !== DENSE_FEATURE_NAMES.length) {
      throw new TypeError(`router model ${path}.${head}: expects ${j[head].features} features`);
    }
    validateEnsemble(j[head], `${path}.${head}`);
  }
  return { kind: 'dual-gbdt', featureNames: j.featureNames, strong: j.strong, cheap: j.cheap, meta: j.meta };
}
