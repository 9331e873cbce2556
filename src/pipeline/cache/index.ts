/**
 * The cache stage factory for the pipeline (stages.ts; contract: stage.ts) and the cache's public surface: no stage at all
 * when no feature enables the response cache, so unconfigured gateways pay nothing for it.
 */
import type { Stage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { CacheStage } from './cache-stage.js';

export { CACHE, CacheStage, type CacheMeta, type CacheStatus } from './cache-stage.js';
export { cacheStats, type CacheCounter, type CacheStatsSnapshot } from './stats.js';

export function cacheStages(deps: StageDeps): Stage[] {
  return CacheStage.configured(deps.loaded) ? [new CacheStage(deps)] : [];
}
