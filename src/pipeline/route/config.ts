/**
 * Routing: the per-feature policy (under `features.<name>.route` in the config) and the global settings
 * (under `route` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const routeFeatureSchema = z.strictObject({});

export const routeGlobalSchema = z.strictObject({});

export type RouteFeatureConfig = z.output<typeof routeFeatureSchema>;
export type RouteGlobalConfig = z.output<typeof routeGlobalSchema>;
