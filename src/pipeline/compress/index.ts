/**
 * The compress stage factory for the pipeline (stages.ts; contract: stage.ts): no stage at all when no feature has a `compress`
 * section, so gateways that do not use it pay nothing.
 */
import type { Stage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { createCompressStage } from './compress-stage.js';

export { compressRequest, type CompressReport, TRANSFORMS, type Transform } from './compress-request.js';

export function compressStages(deps: StageDeps): Stage[] {
  const any = Object.values(deps.loaded.config.features).some((f) => f.compress !== undefined);
  return any ? [createCompressStage(deps)] : [];
}
