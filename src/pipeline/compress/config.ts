/**
 * Prompt compression: the per-feature policy (under `features.<name>.compress` in the config) and the global settings
 * (under `compress` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const compressFeatureSchema = z.strictObject({});

export const compressGlobalSchema = z.strictObject({});

export type CompressFeatureConfig = z.output<typeof compressFeatureSchema>;
export type CompressGlobalConfig = z.output<typeof compressGlobalSchema>;
