/**
 * The shortcut stage factory for the pipeline (stages.ts; contract: stage.ts). The FAQ file and the rules are validated at
 * start-up whenever they are configured; the stage itself is only added when a feature uses it.
 */
import type { Stage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { createShortcutStage } from './shortcut-stage.js';

export { type FaqEntry, loadFaqFile, parseFaq } from './faq-file.js';
export { FaqIndex, type FaqLookup, type FaqMatch } from './faq-index.js';

export function shortcutStages(deps: StageDeps): Stage[] {
  const stage = createShortcutStage(deps);
  const any = Object.values(deps.loaded.config.features).some((f) => f.shortcut !== undefined);
  return any ? [stage] : [];
}
