/**
 * The per-feature quality section (`features.<name>.quality`): shadow evaluation of the requests a tactic
 * changed, and the guardrail that takes a tactic out of service when its agreement's Wilson lower bound
 * falls under `floor`.
 */
import { z } from 'zod';

const STRUCTURED_MODES = ['auto', 'number', 'option', 'yesno', 'text', 'exact'] as const;
const structuredMode = z.enum(STRUCTURED_MODES);

/**
 * How two answers are compared. A bare mode (`auto`, `number` …) is structured agreement; the object forms
 * name the kind: `embedding` (cosine similarity of the offline embedder's vectors against `minSimilarity`)
 * or `judge` (an LLM call to `model`, with an optional rubric, answering a strict verdict).
 */
export const agreementSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { kind: 'structured', mode: v } : v),
  z.discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('structured'), mode: structuredMode.default('auto') }),
      z.strictObject({
        kind: z.literal('embedding'),
        /** Cosine similarity at or over which the two answers agree (0..1). */
        minSimilarity: z.number().min(0).max(1).default(0.9),
      }),
      z.strictObject({
        kind: z.literal('judge'),
        /** The judge model (any model the gateway can reach); its calls are evaluation entries. */
        model: z.string().trim().min(1).max(200),
        /** What "as good" means for this feature; added to the judge's instructions. */
        rubric: z.string().trim().min(1).max(4000).optional(),
        /** Output cap of the judge call. */
        maxTokens: z.number().int().min(16).max(4096).default(200),
      }),
    ],
    {
      error:
        'expected a structured mode (auto, number, option, yesno, text, exact) or { kind: structured | embedding | judge }',
    },
  ),
);

export type Agreement = z.output<typeof agreementSchema>;

export const qualityFeatureSchema = z.strictObject({
  shadow: z
    .strictObject({
      /** Share of the requests a tactic changed that are re-run as the client sent them (0..1). */
      sampleRate: z.number().min(0).max(1).default(0.05),
      /** Most this feature's evaluation calls (shadow and judge) may cost per UTC day, USD. */
      maxUsdPerDay: z.number().positive().default(1),
      /** How answers are compared (see `agreementSchema`). */
      agreement: agreementSchema.default({ kind: 'structured', mode: 'auto' }),
      /** A shadow (or judge) call slower than this is given up (no verdict). */
      timeoutMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  /** The guardrail: agreement lower bound (Wilson 95%) under which a tactic is taken out of service. */
  floor: z.number().min(0).max(1).default(0.95),
  /** Verdicts needed before the guardrail acts. */
  minSamples: z.number().int().min(1).default(30),
  /** The guardrail judges the latest this many verdicts per tactic. */
  window: z.number().int().min(1).default(200),
});

export type QualityFeatureConfig = z.output<typeof qualityFeatureSchema>;
