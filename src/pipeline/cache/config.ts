/**
 * Caching (issue: exact, in-flight, semantic and provider prompt caching): the per-feature policy (under `features.<name>.cache` in the config) and the global settings
 * (under `cache` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const cacheFeatureSchema = z.strictObject({});

export const cacheGlobalSchema = z.strictObject({});

export type CacheFeatureConfig = z.output<typeof cacheFeatureSchema>;
export type CacheGlobalConfig = z.output<typeof cacheGlobalSchema>;
