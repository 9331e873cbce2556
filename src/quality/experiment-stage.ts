/**
 * Experiments at request time. The gateway resolves the feature policy once; this stage, first in the
 * list, replaces it with the policy of the request's arm before any other stage reads it, records the arm
 * in the `experiment` slot (→ `meta.experiment` on the ledger entry) and tells the client in
 * `x-penny-experiment`. A stopped experiment (`penny experiments stop`) serves its chosen arm to everyone;
 * stops are read from the store in the background every `refreshMs`, never on the request path.
 */
import type { LoadedConfig } from '../config/load.js';
import type { ExperimentConfig, FeatureConfig } from '../config/schema.js';
import { armFeatureName } from './arm-policies.js';
import type { Logger } from '../observability/logger.js';
import type { RequestContext } from '../pipeline/context.js';
import { defineSlot } from '../pipeline/slots.js';
import { type Stage, defineStage } from '../pipeline/stage.js';
import { assignArm } from './assign-arm.js';
import type { ExperimentStateStore } from './quality-stores.js';

export interface ExperimentMeta {
  name: string;
  arm: string;
  /** What kept the caller in the arm (`request` when the user or key was missing). */
  stickBy: 'user' | 'key' | 'request';
  /** Served by the arm chosen when the experiment was stopped. */
  stopped?: true;
}

export const experimentSlot = defineSlot<ExperimentMeta>('experiment');

export class ExperimentRunner {
  private stops = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private store: ExperimentStateStore | null = null;
  /** Each policy that runs an experiment → its feature name (the key of its arms' policies). */
  private readonly featureOf = new Map<FeatureConfig, string>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly logger: Logger,
    private readonly refreshMs = 2000,
  ) {
    for (const [feature, policy] of Object.entries(loaded.config.features))
      if (policy.experiment) this.featureOf.set(policy, feature);
  }

  /** The arm's policy, materialised at config load (arm-policies.ts), so stages find their compiled state. */
  private policyOf(base: FeatureConfig, arm: string): FeatureConfig {
    const feature = this.featureOf.get(base);
    const p = feature === undefined ? undefined : this.loaded.config.features[armFeatureName(feature, arm)];
    if (!p) throw new Error(`experiment arm policy ${feature}@${arm} was not prepared at config load`);
    return p;
  }

  /** Every configured experiment, with its feature. */
  experiments(): Array<{ feature: string; experiment: ExperimentConfig }> {
    const out: Array<{ feature: string; experiment: ExperimentConfig }> = [];
    for (const [feature, policy] of Object.entries(this.loaded.config.features))
      if (policy.experiment) out.push({ feature, experiment: policy.experiment });
    return out;
  }

  get any(): boolean {
    return this.experiments().length > 0;
  }

  /** Starts reading stops from the store (once now, then every refreshMs). */
  async attach(store: ExperimentStateStore): Promise<void> {
    this.store = store;
    await this.refresh();
    if (this.refreshMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.refreshMs);
      this.timer.unref();
    }
  }

  async refresh(): Promise<void> {
    if (!this.store) return;
    try {
      const stops = await this.store.list();
      this.stops = new Map(stops.map((s) => [s.name, s.arm]));
    } catch (e) {
      this.logger.warn('experiment stops could not be read; keeping the last known ones', { error: e });
    }
  }

  /** The arm of a request and its policy, or null when its feature runs no experiment. */
  resolve(ctx: Pick<RequestContext, 'id' | 'attribution' | 'policy'>): {
    meta: ExperimentMeta;
    policy: FeatureConfig;
  } | null {
    const policy = ctx.policy;
    const exp = policy?.experiment;
    if (!policy || !exp) return null;
    const stoppedArm = this.stops.get(exp.name);
    if (stoppedArm !== undefined && stoppedArm in exp.arms) {
      return {
        meta: { name: exp.name, arm: stoppedArm, stickBy: exp.stickBy, stopped: true },
        policy: this.policyOf(policy, stoppedArm),
      };
    }
    const { user, keyId } = ctx.attribution;
    const [stickBy, value] =
      exp.stickBy === 'user' && user !== null
        ? (['user', user] as const)
        : exp.stickBy === 'key' && keyId !== null
          ? (['key', keyId] as const)
          : (['request', ctx.id] as const);
    const arm = assignArm(exp, `${stickBy}:${value}`);
    return { meta: { name: exp.name, arm, stickBy }, policy: this.policyOf(policy, arm) };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export function createExperimentStage(runner: ExperimentRunner): Stage {
  return defineStage({
    name: 'experiment',
    run(ctx, next) {
      const r = runner.resolve(ctx);
      if (r) {
        ctx.policy = r.policy;
        ctx.slots.set(experimentSlot, r.meta);
        ctx.headers['x-penny-experiment'] = `${r.meta.name}; arm=${r.meta.arm}`;
      }
      return next();
    },
  });
}
