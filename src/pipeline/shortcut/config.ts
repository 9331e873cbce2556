/**
 * Shortcut tier (answers with no LLM call): the per-feature policy (under `features.<name>.shortcut` in the config) and the global settings
 * (under `shortcut` at the top level). Validated at start-up; unknown fields are errors that name their path.
 */
import { z } from 'zod';

export const shortcutFeatureSchema = z.strictObject({});

export const shortcutGlobalSchema = z.strictObject({});

export type ShortcutFeatureConfig = z.output<typeof shortcutFeatureSchema>;
export type ShortcutGlobalConfig = z.output<typeof shortcutGlobalSchema>;
