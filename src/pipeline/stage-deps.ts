/**
 * What every stage factory receives, and the one way a request's feature policy is found. Stages import
 * this module; the registry (stages.ts) imports the stages — never the reverse.
 */
import type { LoadedConfig } from '../config/load.js';
import type { FeatureConfig } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../observability/logger.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { TargetResolver } from '../providers/resolve-target.js';
import type { Upstreams } from '../providers/upstream.js';

export interface StageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  ledger: Ledger;
  logger: Logger;
  /** The gateway's resolver (model name → provider target); built from `loaded` when not given. */
  resolver?: TargetResolver;
  /** The gateway's upstream pools and circuit breakers, for stages that call upstream themselves (micro-batch). */
  upstreams?: () => Upstreams;
}

/**
 * The policy of a request's feature: its own section, else the `default` feature's, else nothing. The
 * gateway resolves it once per request into `ctx.policy`; stages read that.
 */
export function featurePolicy(loaded: LoadedConfig, feature: string | null): FeatureConfig | undefined {
  const features = loaded.config.features;
  if (feature === null || isArmPolicyName(features, feature)) return features.default;
  return features[feature] ?? features.default;
}

/**
 * An experiment arm's policy is kept as the hidden feature `<feature>@<arm>` (quality/arm-policies.ts); only
 * the experiment stage may select it. A client naming it in x-penny-feature gets the default policy, so it
 * cannot pick an arm (or run one unrecorded) by itself.
 */
function isArmPolicyName(features: Record<string, FeatureConfig>, name: string): boolean {
  const at = name.indexOf('@');
  if (at <= 0) return false;
  return features[name.slice(0, at)]?.experiment?.arms[name.slice(at + 1)] !== undefined;
}
