/**
 * Batching (src/batch): micro-batches of small items (micro/), a stage for the pipeline registry. No stage
 * at all when no feature has a `batch` section.
 */
import type { Stage } from '../pipeline/stage.js';
import type { StageDeps } from '../pipeline/stage-deps.js';
import { createBatchStage } from './micro/batch-stage.js';

export { batchFeatureSchema, type BatchFeatureConfig } from './micro/config.js';

export function batchStages(deps: StageDeps): Stage[] {
  const any = Object.values(deps.loaded.config.features).some((f) => f.batch !== undefined);
  return any ? [createBatchStage(deps)] : [];
}
