/**
 * Micro-batching policy, under `features.<name>.batch` (opt-in per feature). Validated at start-up;
 * unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const batchFeatureSchema = z.strictObject({
  /** Most items combined into one upstream call. */
  maxItems: z.number().int().min(2, 'at least 2 (one item is not a batch)').max(500).default(20),
  /** Most prompt tokens of one combined call (the shared prompt once + every item). */
  maxPromptTokens: z.number().int().min(1).default(16_000),
  /** How long the first item of a group waits for others before the call is made, ms. */
  maxWaitMs: z.number().int().min(1).max(60_000).default(50),
  /**
   * Who may share a call: any request of the feature (`feature`), only requests of the same key (`key`) or
   * of the same user (`user`).
   */
  scope: z.enum(['feature', 'key', 'user']).default('feature'),
});

export type BatchFeatureConfig = z.output<typeof batchFeatureSchema>;
