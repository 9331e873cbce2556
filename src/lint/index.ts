/** Prompt lint: the public surface used by `penny lint-prompt` and the audit. */
export { type LintFinding, type LintResult, type LintRule, lintPrompt } from './lint-prompt.js';
export { type FeatureVolume, featureVolume, monthlyCost } from './volume-cost.js';
