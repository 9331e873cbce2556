/**
 * Each experiment arm's policy is materialised once, at config load, as a feature of its own named
 * `<feature>@<arm>`. Stages compile their per-feature state (route rules, cascades, cache stores) by walking
 * `config.features`, so an arm's route or cascade is compiled and validated at start-up exactly like a
 * feature's, and errors name it (`features.support@treatment.route…`). At request time the experiment stage
 * swaps `ctx.policy` for that very object.
 */
import { ConfigError } from '../core/errors.js';
import type { FeatureConfig, PennyConfig } from '../config/schema.js';

export function armFeatureName(feature: string, arm: string): string {
  return `${feature}@${arm}`;
}

/**
 * The policy of `arm`: with `inherit` (the default) the arm's sections replace the feature's — and an arm
 * that names a cascade drops the feature's route, or the reverse, since a feature has one or the other;
 * without it, the arm's sections alone.
 */
export function armPolicy(base: FeatureConfig, arm: string): FeatureConfig {
  const { experiment, ...feature } = base;
  const a = experiment?.arms[arm];
  if (!a) return feature;
  const { inherit, ...sections } = a;
  if (!inherit) return sections;
  const merged: FeatureConfig = { ...feature, ...sections };
  if (sections.cascade !== undefined && sections.route === undefined) delete merged.route;
  if (sections.route !== undefined && sections.cascade === undefined) delete merged.cascade;
  return merged;
}

/** Adds `<feature>@<arm>` policies for every experiment; refuses an experiment name used twice. */
export function expandArmPolicies(config: PennyConfig): void {
  const seen = new Map<string, string>();
  for (const [feature, policy] of Object.entries(config.features)) {
    const exp = policy.experiment;
    if (!exp) continue;
    if (feature.includes('@'))
      throw new ConfigError(
        `features.${feature}.experiment`,
        'a feature named with "@" cannot run an experiment',
      );
    const other = seen.get(exp.name);
    if (other !== undefined)
      throw new ConfigError(
        `features.${feature}.experiment.name`,
        `experiment "${exp.name}" is already run by features.${other}; give each experiment its own name`,
      );
    seen.set(exp.name, feature);
    for (const arm of Object.keys(exp.arms)) {
      const key = armFeatureName(feature, arm);
      if (key in config.features)
        throw new ConfigError(
          `features.${key}`,
          `clashes with the policy of arm "${arm}" of features.${feature}`,
        );
      config.features[key] = armPolicy(policy, arm);
    }
  }
}
