/**
 * The shape stage factory for the pipeline (stages.ts; contract: stage.ts): no stage at all when no feature has a `shape`
 * section, so gateways that do not use it pay nothing.
 */
import type { Stage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { createShapeStage } from './shape-stage.js';

export { FeatureStats, nextCapState, outputStats, percentile } from './feature-stats.js';

export function shapeStages(deps: StageDeps): Stage[] {
  const any = Object.values(deps.loaded.config.features).some((f) => f.shape !== undefined);
  return any ? [createShapeStage(deps)] : [];
}
