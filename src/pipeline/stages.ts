/**
 * The tactic stages, in the order requests pass through them:
 *   shortcut → cache → compress → route → shape → prompt-cache → micro-batch
 * The whole chain is composed once in src/assemble.ts: store-prompts → guard → experiment/feedback → these
 * → defer → execute. Attribution happens before the stages (gateway.ts), execution and settlement after them. Each stage is a
 * small module in its own folder that does one job around `next()` (the contract: stage.ts) and reports
 * what it did in typed slots and money facts. A stage is added by writing its folder and adding one line
 * here; this registry imports the stages, and the stages import only stage.ts / stage-deps.ts.
 */
import type { Stage } from './stage.js';
import type { StageDeps } from './stage-deps.js';
import { cacheStages } from './cache/index.js';
import { compressStages } from './compress/index.js';
import { createRouteStage } from './route/route-stage.js';
import { shapeStages } from './shape/index.js';
import { shortcutStages } from './shortcut/index.js';
import { promptCacheStages } from './prompt-cache/index.js';
import { batchStages } from '../batch/index.js';

export function buildStages(deps: StageDeps): Stage[] {
  const stages: Stage[] = [];
  stages.push(...shortcutStages(deps));
  stages.push(...cacheStages(deps));
  stages.push(...compressStages(deps));
  stages.push(createRouteStage(deps));
  stages.push(...shapeStages(deps));
  stages.push(...promptCacheStages(deps));
  stages.push(...batchStages(deps));
  return stages;
}
