/**
 * The provider prompt-caching stage factory for the pipeline (stages.ts): none when prompt caching is
 * switched off everywhere.
 */
import type { Stage } from '../context.js';
import type { StageDeps } from '../stages.js';
import { PromptCacheStage } from './prompt-cache-stage.js';

export { PromptCacheStage, type PromptCacheMeta } from './prompt-cache-stage.js';

export function promptCacheStages(deps: StageDeps): Stage[] {
  return PromptCacheStage.configured(deps.loaded) ? [new PromptCacheStage(deps)] : [];
}
