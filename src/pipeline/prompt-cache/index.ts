/**
 * The provider prompt-caching stage factory for the pipeline (stages.ts; contract: stage.ts): none when prompt caching is
 * switched off everywhere.
 */
import type { Stage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { PromptCacheStage } from './prompt-cache-stage.js';

export { PromptCacheStage, type PromptCacheMeta } from './prompt-cache-stage.js';

export function promptCacheStages(deps: StageDeps): Stage[] {
  return PromptCacheStage.configured(deps.loaded) ? [new PromptCacheStage(deps)] : [];
}
