/**
 * Every router model kind behind one `RouterModel` type: `predict` dispatches over them (logistic
 * regression, k-NN, embedding k-NN, the dual heads, gradient-boosted heads, the length and subject priors,
 * blends and rank-averaged ensembles), and `saveModel` / `loadModel` (de)serialise them, so callers — the
 * gateway's route stage, the CLI, the replay — hold one type. Logistic regression itself is in logreg.ts.
 */
import { z } from 'zod';
import { NUMERIC_FEATURE_NAMES } from './features.js';
import { type KnnModel, knnFromJson, knnToJson, predictKnn } from './knn.js';
import { type EmbedKnnModel, embedKnnFromJson, embedKnnToJson, predictEmbedKnn } from './embed-knn.js';
import { type DualGbdtModel, dualGbdtFromJson, dualGbdtToJson, predictDualGbdt } from './dual-gbdt.js';
import { type LengthPriorModel, predictLengthPrior } from './length-prior.js';
import { encode, type LogRegModel, sigmoid, type TrainExample, type TrainOptions, train } from './logreg.js';
import { cdfAt, quantileTable } from './quantile-table.js';
import {
  predictSubjectPrior,
  type SubjectPriorModel,
  subjectPriorFromJson,
  subjectPriorToJson,
} from './subject-prior.js';

export { train, type LogRegModel, type TrainExample, type TrainOptions } from './logreg.js';

export interface BlendModel {
  kind: 'blend';
  parts: RouterModel[];
  weights: number[];
  meta: Record<string, string | number | boolean>;
}

/**
 * Two logistic-regression heads over the same features: P(the strong model's answer is right) and P(the
 * cheap model's is). The score (P(strong) + 1 − P(cheap)) / 2 is the estimated E[strong − cheap] moved to
 * [0, 1], the quantity a router ranks by. Each head learns from a plain binary outcome, which is less noisy
 * than the three-valued difference one model learns (on the shared data's train halves, 2-fold CV APGR
 * GSM8K 0.645 vs 0.638, MMLU 0.635 vs 0.620 for one head).
 */
export interface DualModel {
  kind: 'dual';
  strong: LogRegModel;
  cheap: LogRegModel;
  meta: Record<string, string | number | boolean>;
}

/**
 * Parts averaged by rank instead of by raw score: each part's score is mapped through a quantile table of
 * its scores on the training prompts (an empirical CDF), then weighted. The `anchored` router is a learnt
 * model averaged this way with the length prior, so a feature whose traffic drifts away from the training
 * topics keeps the one signal that transfers (BENCHMARKS.md, router section).
 */
export interface AnchoredModel {
  kind: 'anchored';
  parts: RouterModel[];
  weights: number[];
  /** Per part: ascending order statistics of its scores on the training prompts. */
  tables: number[][];
  meta: Record<string, string | number | boolean>;
}

export type RouterModel =
  | LogRegModel
  | KnnModel
  | EmbedKnnModel
  | BlendModel
  | DualModel
  | DualGbdtModel
  | LengthPriorModel
  | SubjectPriorModel
  | AnchoredModel;

/** Probability in [0, 1] that the prompt needs the strong model. */
export function predict(model: RouterModel, text: string): number {
  switch (model.kind) {
    case 'logreg': {
      const x = encode(text, model);
      let zv = model.bias;
      for (let k = 0; k < x.idx.length; k++) zv += model.weights[x.idx[k]!]! * x.val[k]!;
      return sigmoid(zv);
    }
    case 'knn':
      return predictKnn(model, text);
    case 'subject-prior':
      return predictSubjectPrior(model, text);
    case 'embed-knn':
      return predictEmbedKnn(model, text);
    case 'dual':
      return (predict(model.strong, text) + 1 - predict(model.cheap, text)) / 2;
    case 'dual-gbdt':
      return predictDualGbdt(model, text);
    case 'length-prior':
      return predictLengthPrior(text);
    case 'anchored': {
      let s = 0;
      let tw = 0;
      for (let i = 0; i < model.parts.length; i++) {
        const wi = model.weights[i]!;
        s += wi * cdfAt(model.tables[i]!, predict(model.parts[i]!, text));
        tw += wi;
      }
      return tw > 0 ? s / tw : 0.5;
    }
    case 'blend': {
      let s = 0;
      let tw = 0;
      for (let i = 0; i < model.parts.length; i++) {
        const wi = model.weights[i] ?? 0;
        s += wi * predict(model.parts[i]!, text);
        tw += wi;
      }
      return tw > 0 ? s / tw : 0.5;
    }
  }
}

/**
 * Trains the two heads of a `dual` router. Every example needs `cheap` and `strong` outcomes in [0, 1]
 * (a single verdict label says which answer won, not whether each was right). Deterministic given the seed.
 */
export function trainDual(examples: readonly TrainExample[], opts: TrainOptions = {}): DualModel {
  if (examples.length === 0) throw new RangeError('trainDual: no examples');
  examples.forEach((e, i) => {
    for (const k of ['cheap', 'strong'] as const) {
      const v = e[k];
      if (v === undefined || !Number.isFinite(v) || v < 0 || v > 1) {
        throw new RangeError(
          `dual router: example ${i + 1} has no "${k}" outcome in [0, 1]; it learns from recorded outcomes of both models (--dataset or an outcome file), not from single labels`,
        );
      }
    }
  });
  const head = (pick: (e: TrainExample) => number) =>
    train(
      examples.map((e) => ({
        text: e.text,
        label: pick(e),
        ...(e.weight !== undefined ? { weight: e.weight } : {}),
      })),
      { ...opts, meta: {} },
    );
  return {
    kind: 'dual',
    strong: head((e) => e.strong!),
    cheap: head((e) => e.cheap!),
    meta: { examples: examples.length, seed: opts.seed ?? 1, ...(opts.meta ?? {}) },
  };
}

/**
 * An `anchored` model: `parts` averaged by rank with `weights`, each part's quantile table taken from its
 * scores on `texts` (the training prompts). The model scores exactly as it does after `saveModel` and
 * `loadModel`.
 */
export function anchor(
  parts: RouterModel[],
  weights: number[],
  texts: readonly string[],
  meta: AnchoredModel['meta'] = {},
): AnchoredModel {
  if (parts.length === 0 || parts.length !== weights.length)
    throw new RangeError('anchor: parts and weights differ');
  if (weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0))
    throw new RangeError('anchor: weights must be non-negative and not all zero');
  if (texts.length === 0) throw new RangeError('anchor: no training prompts');
  // The parts as a saved model file holds them (weights rounded to 7 digits): the tables are then the
  // ranks of the very scores the gateway computes. A table built from unrounded scores could put a score
  // that rounding moved by 1e-8 on the other side of a run of equal entries, a jump of its whole width.
  const stored = parts.map((p, i) => fromJson(toJson(p), `$.parts[${i}]`));
  const tables = stored.map((p) => quantileTable(texts.map((t) => predict(p, t))));
  return { kind: 'anchored', parts: stored, weights, tables, meta };
}

/** A weighted average of several models' probabilities. */
export function blend(parts: RouterModel[], weights: number[], meta: BlendModel['meta'] = {}): BlendModel {
  if (parts.length === 0 || parts.length !== weights.length)
    throw new RangeError('blend: parts and weights differ');
  return { kind: 'blend', parts, weights, meta };
}

// ---------------------------------------------------------------------------------------------------
// JSON form: weights are stored sparsely as [index, value] pairs, rounded to 7 significant digits.

const metaSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const logregJson = z.object({
  kind: z.literal('logreg'),
  version: z.literal(1),
  dim: z.number().int().positive(),
  bigrams: z.boolean(),
  numeric: z.boolean(),
  hashed: z.boolean(),
  numericNames: z.array(z.string()),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  weights: z.array(z.tuple([z.number().int().nonnegative(), z.number()])),
  bias: z.number(),
  meta: metaSchema,
});
type ModelJson =
  | z.infer<typeof logregJson>
  | ReturnType<typeof knnToJson>
  | ReturnType<typeof embedKnnToJson>
  | { kind: 'blend'; version: 1; parts: ModelJson[]; weights: number[]; meta: BlendModel['meta'] }
  | { kind: 'dual'; version: 1; strong: ModelJson; cheap: ModelJson; meta: DualModel['meta'] }
  | ReturnType<typeof dualGbdtToJson>
  | ReturnType<typeof subjectPriorToJson>
  | { kind: 'length-prior'; version: 1; meta: LengthPriorModel['meta'] }
  | {
      kind: 'anchored';
      version: 1;
      parts: ModelJson[];
      weights: number[];
      tables: number[][];
      meta: AnchoredModel['meta'];
    };

function toJson(model: RouterModel): ModelJson {
  switch (model.kind) {
    case 'logreg': {
      const pairs: [number, number][] = [];
      model.weights.forEach((v, i) => {
        if (v !== 0) pairs.push([i, Number(v.toPrecision(7))]);
      });
      return {
        kind: 'logreg',
        version: 1,
        dim: model.dim,
        bigrams: model.bigrams,
        numeric: model.numeric,
        hashed: model.hashed,
        numericNames: model.numericNames,
        mean: model.mean,
        std: model.std,
        weights: pairs,
        bias: model.bias,
        meta: model.meta,
      };
    }
    case 'knn':
      return knnToJson(model);
    case 'embed-knn':
      return embedKnnToJson(model);
    case 'dual':
      return {
        kind: 'dual',
        version: 1,
        strong: toJson(model.strong),
        cheap: toJson(model.cheap),
        meta: model.meta,
      };
    case 'dual-gbdt':
      return dualGbdtToJson(model);
    case 'subject-prior':
      return subjectPriorToJson(model);
    case 'length-prior':
      return { kind: 'length-prior', version: 1, meta: model.meta };
    case 'anchored':
      return {
        kind: 'anchored',
        version: 1,
        parts: model.parts.map(toJson),
        weights: model.weights,
        tables: model.tables,
        meta: model.meta,
      };
    case 'blend':
      return {
        kind: 'blend',
        version: 1,
        parts: model.parts.map(toJson),
        weights: model.weights,
        meta: model.meta,
      };
  }
}

export function saveModel(model: RouterModel): string {
  return JSON.stringify(toJson(model));
}

function fromJson(raw: unknown, path: string): RouterModel {
  const kind = z
    .object({
      kind: z.enum([
        'logreg',
        'knn',
        'embed-knn',
        'blend',
        'dual',
        'dual-gbdt',
        'length-prior',
        'subject-prior',
        'anchored',
      ]),
    })
    .safeParse(raw);
  if (!kind.success) throw new TypeError(`router model ${path}: missing or unknown "kind"`);
  if (kind.data.kind === 'knn') return knnFromJson(raw, path);
  if (kind.data.kind === 'dual-gbdt') return dualGbdtFromJson(raw, path);
  if (kind.data.kind === 'subject-prior') return subjectPriorFromJson(raw, path);
  if (kind.data.kind === 'length-prior') {
    const r = z
      .object({ kind: z.literal('length-prior'), version: z.literal(1), meta: metaSchema })
      .safeParse(raw);
    if (!r.success) throw new TypeError(`router model ${path}: invalid length-prior model`);
    return { kind: 'length-prior', meta: r.data.meta };
  }
  if (kind.data.kind === 'anchored') {
    const a = z
      .object({
        kind: z.literal('anchored'),
        version: z.literal(1),
        parts: z.array(z.unknown()).min(1),
        weights: z.array(z.number().nonnegative()),
        tables: z.array(z.array(z.number()).min(1)),
        meta: metaSchema,
      })
      .safeParse(raw);
    if (!a.success) {
      const i = a.error.issues[0];
      throw new TypeError(
        `router model ${path}: invalid anchored model (${i?.path.join('.')}: ${i?.message})`,
      );
    }
    const { parts, weights, tables, meta } = a.data;
    if (weights.length !== parts.length || tables.length !== parts.length) {
      throw new TypeError(`router model ${path}: an anchored model needs one weight and one table per part`);
    }
    if (weights.every((w) => w === 0)) throw new TypeError(`router model ${path}: every weight is 0`);
    tables.forEach((t, i) => {
      for (let k = 1; k < t.length; k++) {
        if (t[k]! < t[k - 1]!) throw new TypeError(`router model ${path}.tables[${i}]: not ascending`);
      }
    });
    return {
      kind: 'anchored',
      parts: parts.map((p, i) => fromJson(p, `${path}.parts[${i}]`)),
      weights,
      tables,
      meta,
    };
  }
  if (kind.data.kind === 'embed-knn') return embedKnnFromJson(raw, path);
  if (kind.data.kind === 'dual') {
    const d = z
      .object({
        kind: z.literal('dual'),
        version: z.literal(1),
        strong: z.unknown(),
        cheap: z.unknown(),
        meta: metaSchema,
      })
      .safeParse(raw);
    if (!d.success) {
      throw new TypeError(`router model ${path}: invalid dual model (${d.error.issues[0]?.message ?? ''})`);
    }
    const strong = fromJson(d.data.strong, `${path}.strong`);
    const cheap = fromJson(d.data.cheap, `${path}.cheap`);
    if (strong.kind !== 'logreg' || cheap.kind !== 'logreg') {
      throw new TypeError(`router model ${path}: a dual model's heads must be logreg models`);
    }
    return { kind: 'dual', strong, cheap, meta: d.data.meta };
  }
  if (kind.data.kind === 'blend') {
    const b = z
      .object({
        kind: z.literal('blend'),
        version: z.literal(1),
        parts: z.array(z.unknown()).min(1),
        weights: z.array(z.number()),
        meta: metaSchema,
      })
      .safeParse(raw);
    if (!b.success || b.data.parts.length !== b.data.weights.length) {
      throw new TypeError(`router model ${path}: invalid blend model`);
    }
    return blend(
      b.data.parts.map((p, i) => fromJson(p, `${path}.parts[${i}]`)),
      b.data.weights,
      b.data.meta,
    );
  }
  const r = logregJson.safeParse(raw);
  if (!r.success) throw new TypeError(`router model ${path}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  const j = r.data;
  if (j.numeric && j.numericNames.join(',') !== NUMERIC_FEATURE_NAMES.join(',')) {
    throw new TypeError(`router model ${path}: trained with different numeric features; retrain it`);
  }
  const weights = new Float64Array(j.dim + (j.numeric ? NUMERIC_FEATURE_NAMES.length : 0));
  for (const [i, v] of j.weights) {
    if (i >= weights.length) throw new TypeError(`router model ${path}: weight index ${i} out of range`);
    weights[i] = v;
  }
  const { version: _version, weights: _pairs, ...rest } = j;
  return { ...rest, weights };
}

/** Parses a model saved by `saveModel`; throws a TypeError naming the problem. */
export function loadModel(json: string): RouterModel {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new TypeError(`router model: not JSON (${(e as Error).message})`);
  }
  return fromJson(raw, '$');
}
