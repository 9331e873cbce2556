/**
 * The shape stage: caps output tokens (a fixed cap and/or one learned from the ledger, never above the
 * client's own), adds stop sequences, appends brevity instructions, and arms server-side early stop on
 * streams. Savings on output cannot be measured exactly — nobody knows how long the uncapped answer would
 * have been — so they are estimated from the feature's pre-shaping typical length, recorded only when the
 * shaping visibly acted (a cap that truncated, a stop that fired, an early stop, a brevity instruction),
 * and flagged `savings_estimated` with the numbers behind them in `meta.shape`. The stage reports the saved
 * output tokens; settle prices them at the served model's output rate.
 */
import { TargetResolver } from '../../providers/resolve-target.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import { EarlyStopObserver } from '../early-stop/early-stop-observer.js';
import { defineSlot } from '../slots.js';
import { type Stage, defineStage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { appendToSystem, brevityInstruction } from './brevity.js';
import { FeatureStats } from './feature-stats.js';
import { STOP_LIMITS, mergeStops } from './stop-sequences.js';

/** Unshaped answers needed before their mean is trusted as "what the answer would have been". */
const MIN_TYPICAL_SAMPLES = 10;

/** What shaping did (ledger `meta.shape`); an estimate the served model's price cannot value says so. */
export const SHAPE = defineSlot<Record<string, unknown>>('shape', {
  onSettle(meta, s) {
    const est = meta.estimate as { tactic?: string; savedTokens?: number | null } | undefined;
    if (est && typeof est.savedTokens === 'number' && !s.servedPriced)
      meta.estimate = { tactic: est.tactic, savedTokens: null, why: 'unpriced' };
  },
});

export function createShapeStage(deps: StageDeps, stats?: FeatureStats): Stage {
  const featureStats = stats ?? new FeatureStats(deps.ledger, deps.loaded.config.shape, deps.logger);
  const resolver = deps.resolver ?? new TargetResolver(deps.loaded);
  const stopLimit = (model: string): number => {
    try {
      return STOP_LIMITS[PROVIDER_TYPES[resolver.resolve(model).provider.type].dialect];
    } catch {
      return STOP_LIMITS.openai;
    }
  };
  return defineStage({
    name: 'shape',
    async run(ctx, next) {
      const policy = ctx.policy?.shape;
      if (!policy) return next();
      const feature = ctx.attribution.feature;
      const snap = feature !== null ? featureStats.get(feature, policy.adaptive) : undefined;
      let req = ctx.request;
      const meta: Record<string, unknown> = {};
      const events: string[] = [];

      let cap = policy.maxTokens;
      if (policy.adaptive && snap?.cap) {
        meta.adaptive = { cap: snap.cap.cap, backoffs: snap.cap.backoffs, removed: snap.cap.removed };
        if (snap.cap.cap !== null) cap = Math.min(cap ?? Number.POSITIVE_INFINITY, snap.cap.cap);
      }
      if (cap !== undefined && (req.maxTokens === undefined || cap < req.maxTokens)) {
        const thinking = req.reasoning?.budgetTokens;
        if (thinking !== undefined && thinking >= cap) {
          events.push('cap_below_thinking_budget');
        } else {
          meta.cap = cap;
          meta.clientMaxTokens = req.maxTokens ?? null;
          req = { ...req, maxTokens: cap };
        }
      }
      if (policy.stop?.length) {
        const merged = mergeStops(req.stop, policy.stop, stopLimit(req.model));
        if (merged.dropped.length) meta.stopDropped = merged.dropped;
        if (merged.stop.length !== (req.stop?.length ?? 0)) {
          req = { ...req, stop: merged.stop };
          if (req.stopWasString && merged.stop.length > 1) req.stopWasString = false;
        }
      }
      if (policy.brevity) {
        const instruction = brevityInstruction(policy.brevity);
        req = appendToSystem(req, instruction);
        meta.brevity = instruction;
      }
      let observer: EarlyStopObserver | undefined;
      if (policy.earlyStop && req.stream && (req.n ?? 1) === 1) {
        observer = new EarlyStopObserver(policy.earlyStop);
        ctx.streamObserver = observer;
      }
      if (events.length) {
        meta.events = events;
        deps.logger.info('shaping step skipped', { id: ctx.id, feature, events });
      }
      ctx.request = req;
      ctx.slots.set(SHAPE, meta);

      const outcome = await next();
      if (ctx.streamObserver === observer) delete ctx.streamObserver;
      const choice = outcome.response?.choices[0];
      const truncated = meta.cap !== undefined && choice?.finish.unified === 'length';
      if (truncated) meta.truncated = true;
      const stopFired =
        policy.stop !== undefined &&
        typeof outcome.response?.stopSequence === 'string' &&
        policy.stop.includes(outcome.response.stopSequence);
      if (observer?.stopped) meta.earlyStop = { reason: observer.stopped.reason, chars: observer.stopped.at };

      const tactic = observer?.stopped
        ? 'shape.early_stop'
        : truncated
          ? 'shape.max_tokens'
          : stopFired
            ? 'shape.stop'
            : policy.brevity
              ? 'shape.brevity'
              : null;
      const usage = outcome.usage;
      if (tactic === null || !usage || outcome.status !== 'ok') return outcome;
      const typical =
        snap && snap.stats.unshapedSamples >= MIN_TYPICAL_SAMPLES ? snap.stats.unshapedMeanOutput : undefined;
      if (typical === undefined) {
        meta.estimate = { tactic, savedTokens: null, why: 'no_pre_shaping_history' };
        return outcome;
      }
      const savedTokens = Math.max(0, Math.round(typical - usage.outputText));
      meta.estimate = { tactic, savedTokens, typicalOutput: Math.round(typical), estimated: true };
      if (savedTokens > 0) ctx.money.shaped = { tactic, savedTokens };
      return outcome;
    },
  });
}
