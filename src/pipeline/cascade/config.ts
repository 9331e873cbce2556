/**
 * Cascades: the per-feature policy (under `features.<name>.cascade` in the config) and the global settings
 * (under `cascade` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const cascadeFeatureSchema = z.strictObject({});

export const cascadeGlobalSchema = z.strictObject({});

export type CascadeFeatureConfig = z.output<typeof cascadeFeatureSchema>;
export type CascadeGlobalConfig = z.output<typeof cascadeGlobalSchema>;
