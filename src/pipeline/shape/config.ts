/**
 * Output shaping: the per-feature policy (under `features.<name>.shape` in the config) and the global settings
 * (under `shape` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const shapeFeatureSchema = z.strictObject({});

export const shapeGlobalSchema = z.strictObject({});

export type ShapeFeatureConfig = z.output<typeof shapeFeatureSchema>;
export type ShapeGlobalConfig = z.output<typeof shapeGlobalSchema>;
