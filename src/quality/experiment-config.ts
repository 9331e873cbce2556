/**
 * The per-feature experiment section (`features.<name>.experiment`): named arms, each a policy that
 * replaces the feature's sections it names (or, with `inherit: false`, the whole policy), a percentage
 * split over the arms and what keeps a caller in one arm (`stickBy`). The arm schema is built from the
 * feature's own section schemas (passed in by config/schema.ts), so an arm accepts exactly what a feature
 * accepts and nothing can drift.
 */
import { z } from 'zod';

export const STICK_BY = ['user', 'key', 'request'] as const;
export type StickBy = (typeof STICK_BY)[number];

const armName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, ., _ and - (max 40), e.g. "control"');

/** `sections` is the feature policy's shape (cache, route, cascade …) without `experiment`. */
export function experimentSchema<S extends z.ZodRawShape>(sections: S) {
  const arm = z.strictObject({
    /** true (default): the arm's sections replace the feature's; false: the arm is the whole policy. */
    inherit: z.boolean().default(true),
    ...sections,
  });
  return z
    .strictObject({
      /** Name recorded on every ledger entry of the experiment (`meta.experiment.name`). */
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, 'letters, digits, ., _ and - (max 80)'),
      arms: z.record(armName, arm).refine((a) => Object.keys(a).length >= 2, 'at least two arms'),
      /** Percent of traffic per arm, summing to 100 (default: equal shares). */
      split: z.record(armName, z.number().min(0).max(100)).optional(),
      /** What keeps a caller in one arm: the end user (default), the key, or nothing (each request anew). */
      stickBy: z.enum(STICK_BY).default('user'),
    })
    .superRefine((e, ctx) => {
      if (!e.split) return;
      for (const name of Object.keys(e.split))
        if (!(name in e.arms))
          ctx.addIssue({
            code: 'custom',
            path: ['split', name],
            message: `no arm "${name}" (arms: ${Object.keys(e.arms).join(', ')})`,
          });
      for (const name of Object.keys(e.arms))
        if (!(name in e.split))
          ctx.addIssue({ code: 'custom', path: ['split'], message: `arm "${name}" has no share` });
      const sum = Object.values(e.split).reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 100) > 1e-9)
        ctx.addIssue({ code: 'custom', path: ['split'], message: `shares sum to ${sum}, not 100` });
    });
}
