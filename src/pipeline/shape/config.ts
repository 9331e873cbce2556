/**
 * Output shaping: the per-feature policy (under `features.<name>.shape` in the config) and the global settings
 * (under `shape` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * A cap never raises a client's own lower `max_tokens`; a cap below 1 token would leave no room for an answer.
 */
import { z } from 'zod';

const earlyStopSchema = z
  .strictObject({
    /** A closing marker, e.g. "</answer>": the answer is complete once it appears. */
    marker: z.string().min(1).optional(),
    includeMarker: z.boolean().default(true),
    /** Complete after this many sentences. */
    sentences: z.number().int().min(1).optional(),
    /** Complete after this many list items. */
    items: z.number().int().min(1).optional(),
    /** Complete once one top-level JSON object or array is closed. */
    json: z.boolean().optional(),
  })
  .refine(
    (v) => v.marker !== undefined || v.sentences !== undefined || v.items !== undefined || v.json === true,
    {
      message: 'needs at least one condition: marker, sentences, items or json',
    },
  );

const brevitySchema = z
  .strictObject({
    sentences: z.number().int().min(1).optional(),
    words: z.number().int().min(1).optional(),
    bullets: z.union([z.literal(true), z.number().int().min(1)]).optional(),
    json: z.boolean().optional(),
    concise: z.boolean().optional(),
    /** Your own instruction, used as is. */
    text: z.string().min(1).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined && x !== false), {
    message: 'needs at least one of sentences, words, bullets, json, concise, text',
  });

export const adaptiveCapSchema = z.strictObject({
  /** The completion length percentile the cap is built on. */
  percentile: z.number().gt(0).max(1).default(0.99),
  /** Cap = percentile length × margin. */
  margin: z.number().min(1).default(1.2),
  /** Completed requests needed before a cap is learned. */
  minSamples: z.number().int().min(1).default(50),
  /** The cap never goes below this. */
  minTokens: z.number().int().min(1).default(16),
  /** Share of capped answers cut by the cap ("length") above which the cap backs off (doubles). */
  truncationThreshold: z.number().gt(0).max(1).default(0.05),
  /** Capped answers needed before the truncation share is trusted. */
  minCapped: z.number().int().min(1).default(20),
  /** After this many back-offs the cap is removed for the feature. */
  maxBackoffs: z.number().int().min(0).default(3),
});

export const shapeFeatureSchema = z.strictObject({
  /** A fixed cap on output tokens. */
  maxTokens: z.number().int().min(1, 'a cap below 1 token leaves no room for the answer').optional(),
  /** A cap learned from the feature's recent completions in the ledger. */
  adaptive: adaptiveCapSchema.optional(),
  /** Stop sequences added to the client's own (within the provider's limit). */
  stop: z.array(z.string().min(1)).optional(),
  /** An instruction appended to the system prompt. */
  brevity: brevitySchema.optional(),
  /** Streams only: end the answer server-side as soon as it is complete, and stop generation upstream. */
  earlyStop: earlyStopSchema.optional(),
});

export const shapeGlobalSchema = z.strictObject({
  /** How often a feature's statistics are recomputed from the ledger. */
  refreshSeconds: z.number().positive().default(300),
  /** How far back the statistics look. */
  windowHours: z
    .number()
    .positive()
    .default(24 * 7),
  /** Most recent entries read per feature. */
  maxEntries: z.number().int().positive().default(5000),
});

export type ShapeFeatureConfig = z.output<typeof shapeFeatureSchema>;
export type ShapeGlobalConfig = z.output<typeof shapeGlobalSchema>;
export type AdaptiveCapConfig = z.output<typeof adaptiveCapSchema>;
export type BrevityConfig = NonNullable<ShapeFeatureConfig['brevity']>;
