/**
 * The pipeline's stage list, in the order requests pass through them:
 *   attribute → guard → shortcut → cache → compress → route → shape → prompt-cache → execute → settle
 * Attribution happens before the stages (gateway.ts), execution and settlement after them. Each stage is a
 * small module in its own folder that does one job around `next()` and records what it did in the context
 * (savings by tactic, flags, meta). A stage is added by writing its folder and adding one line here.
 */
import type { LoadedConfig } from '../config/load.js';
import type { FeatureConfig } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../observability/logger.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Stage } from './context.js';
import { cacheStages } from './cache/index.js';
import { compressStages } from './compress/index.js';
import { createRouteStage } from './route/route-stage.js';
import { shapeStages } from './shape/index.js';
import { shortcutStages } from './shortcut/index.js';
import { promptCacheStages } from './prompt-cache/index.js';

export interface StageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  ledger: Ledger;
  logger: Logger;
}

/** The policy of a request's feature: its own section, else the `default` feature's, else nothing. */
export function featurePolicy(loaded: LoadedConfig, feature: string | null): FeatureConfig | undefined {
  const features = loaded.config.features;
  return (feature !== null ? features[feature] : undefined) ?? features.default;
}

export function buildStages(_deps: StageDeps): Stage[] {
  const stages: Stage[] = [];
  stages.push(...shortcutStages(_deps));
  stages.push(...cacheStages(_deps));
  stages.push(...compressStages(_deps));
  stages.push(createRouteStage(_deps));
  stages.push(...shapeStages(_deps));
  stages.push(...promptCacheStages(_deps));
  return stages;
}
