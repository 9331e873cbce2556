/**
 * The shortcut stage factory for the pipeline (stages.ts). The FAQ file and the rules are validated at
 * start-up whenever they are configured; the stage itself is only added when a feature uses it.
 */
import type { Stage } from '../context.js';
import type { StageDeps } from '../stages.js';
import { createShortcutStage } from './shortcut-stage.js';

export { type FaqEntry, loadFaqFile, parseFaq } from './faq-file.js';
export { FaqIndex, type FaqLookup, type FaqMatch } from './faq-index.js';

export function shortcutStages(deps: StageDeps): Stage[] {
  const stage = createShortcutStage(deps);
  const any = Object.values(deps.loaded.config.features).some((f) => f.shortcut !== undefined);
  return any ? [stage] : [];
}
