/**
 * The per-feature quality section (`features.<name>.quality`): shadow evaluation of the requests a tactic
 * changed, and the guardrail that takes a tactic out of service when its agreement's Wilson lower bound
 * falls under `floor`.
 */
import { z } from 'zod';

export const qualityFeatureSchema = z.strictObject({
  shadow: z
    .strictObject({
      /** Share of the requests a tactic changed that are re-run as the client sent them (0..1). */
      sampleRate: z.number().min(0).max(1).default(0.05),
      /** Most this feature's evaluation calls may cost per UTC day, USD. */
      maxUsdPerDay: z.number().positive().default(1),
      /** How answers are compared: `auto` (yes/no, option letter, final number, else normalised text), or one of them. */
      agreement: z.enum(['auto', 'number', 'option', 'yesno', 'text', 'exact']).default('auto'),
      /** A shadow call slower than this is given up (no verdict). */
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
