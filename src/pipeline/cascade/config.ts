/**
 * Cascades: the per-feature policy (under `features.<name>.cascade` in the config) and the global settings
 * (under `cascade` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * Check specs mirror `CheckSpec` in checks.ts; regexes and JSON schemas are compiled later
 * (`compile-cascade.ts`), so a pattern or schema that cannot work is a ConfigError naming its field.
 */
import { z } from 'zod';

const agreementMode = z.enum(['auto', 'number', 'option', 'yesno', 'text', 'exact']);

export const checkSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('nonEmpty') }),
  z.strictObject({ type: z.literal('notRefusalOrHedge'), extraPatterns: z.array(z.string()).optional() }),
  z.strictObject({ type: z.literal('validJson') }),
  z.strictObject({ type: z.literal('arithmetic') }),
  z.strictObject({ type: z.literal('jsonSchema'), schema: z.unknown() }),
  z.strictObject({
    type: z.literal('regex'),
    pattern: z.string(),
    flags: z.string().optional(),
    mustMatch: z.boolean().optional(),
    name: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('length'),
    min: z.number().int().nonnegative().optional(),
    max: z.number().int().nonnegative().optional(),
    unit: z.enum(['chars', 'tokens']).optional(),
  }),
  z.strictObject({
    type: z.literal('logprob'),
    minMeanLogprob: z.number().optional(),
    minTokenProb: z.number().optional(),
    whenMissing: z.enum(['pass', 'fail']).optional(),
  }),
  z.strictObject({
    type: z.literal('agreement'),
    mode: agreementMode.optional(),
    withModel: z.string().optional(),
  }),
]);

export const judgeSchema = z.strictObject({
  /** A cheap model asked to grade the answer 1–10. */
  model: z.string().min(1),
  /** Lowest grade that passes. */
  minScore: z.number().int().min(1).max(10).default(7),
  /** Extra grading instructions (what a good answer looks like for this feature). */
  instructions: z.string().optional(),
});

/** Run the answer's code with tests in a sandbox (`src/sandbox/`); failure or timeout escalates. */
export const codeTestsSchema = z.strictObject({
  language: z.enum(['python', 'node']),
  /** Tests appended after the answer's code (e.g. `assert add(2, 3) == 5`). */
  tests: z.string().min(1).optional(),
  /** Use the feature's `tests`, a ```tests block in the request, or both. */
  testsFrom: z.enum(['feature', 'request', 'both']).default('both'),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  cpuSeconds: z.number().int().positive().max(120).default(5),
  memoryMb: z.number().int().min(16).max(16_384).default(512),
  fileMb: z.number().int().positive().max(1024).default(8),
  /** `strict`: namespaces, read-only mounts, no network (needs root); `limits`: resource limits only. */
  isolation: z.enum(['strict', 'limits']).default('strict'),
});

export const cascadeStepSchema = z.strictObject({
  model: z.string().min(1),
  /** This step's checks (default: the cascade's `checks`). */
  checks: z.array(checkSpecSchema).optional(),
  /** Also ask this model in parallel; its answer is a peer for `agreement` checks (and its cost counts). */
  parallelWith: z.string().min(1).optional(),
  judge: judgeSchema.optional(),
  codeTests: codeTestsSchema.optional(),
});

export const cascadeFeatureSchema = z.strictObject({
  /** Models, cheapest first; the last one's answer is always served. A string is `{ model }`. */
  models: z.array(z.union([z.string().min(1), cascadeStepSchema])).min(2),
  /** Checks for every step that lists none of its own. */
  checks: z.array(checkSpecSchema).default([{ type: 'nonEmpty' }, { type: 'notRefusalOrHedge' }]),
  /** A judge for every step that has none of its own. */
  judge: judgeSchema.optional(),
  /** A code-execution check for every step that has none of its own. */
  codeTests: codeTestsSchema.optional(),
});

export const cascadeGlobalSchema = z.strictObject({
  /** Most characters of the answer shown to a judge. */
  judgeMaxAnswerChars: z.number().int().positive().default(6000),
});

export type CheckSpecConfig = z.output<typeof checkSpecSchema>;
export type JudgeConfig = z.output<typeof judgeSchema>;
export type CodeTestsConfig = z.output<typeof codeTestsSchema>;
export type CascadeStepConfig = z.output<typeof cascadeStepSchema>;
export type CascadeFeatureConfig = z.output<typeof cascadeFeatureSchema>;
export type CascadeGlobalConfig = z.output<typeof cascadeGlobalSchema>;
