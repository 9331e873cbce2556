/**
 * The route stage: picks the model(s) a request runs on and leaves an execution plan for the execute step
 * — a target list with retries and fallbacks, or the feature's cascade. Everything that can be wrong in
 * the config (unknown models, fallback cycles, bad regexes, JSON schemas that do not compile, a router
 * file that does not load) is found here at start-up. A routed request reports the substitution to settle,
 * which books the `route` saving: the actual usage re-priced at the model the client asked for, minus
 * what it actually cost (`meta.route.savedUsd`).
 * A feature with neither `route` nor `cascade` (and a model without a fallback chain) costs two map lookups.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { moneyToDecimal, moneyToNumber } from '../../core/money.js';
import type { FeatureConfig } from '../../config/schema.js';
import { estimateCost } from '../../pricing/cost.js';
import { TargetResolver } from '../../providers/resolve-target.js';
import { countRequestTokens } from '../../tokens/index.js';
import { BUDGET } from '../budget-verdict.js';
import { type CompiledCascade, compileCascade } from '../cascade/compile-cascade.js';
import type { RequestContext } from '../context.js';
import { setExecutionPlan } from '../execute/plan.js';
import { defineSlot } from '../slots.js';
import { type Stage, defineStage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { seedFromLedger } from './calibration-sample.js';
import { type CompiledRoute, compileFallbacks, compileRoute } from './compile-route.js';
import { decideRoute, routeMeta } from './decide-route.js';
import { ModelRegistry } from './model-registry.js';
import { requestFacts } from './rules.js';

function header(ctx: RequestContext, name: string): string | null {
  const v = ctx.requestHeaders?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.slice(0, 100) : null;
}

/** The routing decision (ledger `meta.route`); settle adds the `route` saving as `savedUsd`. */
export const ROUTE = defineSlot<Record<string, unknown>>('route', {
  onSettle(meta, s) {
    if (s.savings.route !== undefined) meta.savedUsd = moneyToDecimal(s.savings.route);
  },
});

export function createRouteStage(deps: StageDeps): Stage {
  const { loaded, catalog } = deps;
  const models = new ModelRegistry(deps.resolver ?? new TargetResolver(loaded), catalog);
  const chains = compileFallbacks(loaded.config.route, models);
  const baseDir = loaded.file ? dirname(loaded.file) : process.cwd();
  const routes = new Map<FeatureConfig, CompiledRoute>();
  const cascades = new Map<FeatureConfig, CompiledCascade>();
  for (const [name, f] of Object.entries(loaded.config.features)) {
    const path = `features.${name}`;
    if (f.route && f.cascade) {
      throw new ConfigError(
        path,
        'a feature has `route` or `cascade`, not both (a cascade lists its own models)',
      );
    }
    if (f.route) routes.set(f, compileRoute(f.route, loaded.config.route, models, `${path}.route`, baseDir));
    if (f.cascade) {
      const validate = (ref: string, p: string) => models.validate(ref, p);
      cascades.set(f, compileCascade(f.cascade, loaded.config.cascade, validate, `${path}.cascade`));
    }
  }
  const globalRetry = loaded.config.route.retry;
  // Calibrated thresholds start from the feature's recent scores in the ledger (asynchronously: until
  // they arrive the sample or the fixed threshold applies).
  for (const [name, f] of Object.entries(loaded.config.features)) {
    const d = f.route ? routes.get(f)?.difficulty : undefined;
    if (!d?.calibrator || f.route?.calibration?.fromLedger === false) continue;
    seedFromLedger(deps.ledger, name, d.router.name, d.calibrator).catch((e: unknown) =>
      deps.logger.warn(
        `route: features.${name}: could not seed the calibrated threshold from the ledger: ${(e as Error).message}`,
      ),
    );
  }

  return defineStage({
    name: 'route',
    // Not async: every path ends in `return next()`, so an async frame would only add a promise and two
    // microtask turns per request (compose turns a throw into a rejection).
    run(ctx, next) {
      const policy = ctx.policy;
      const cascade = policy ? cascades.get(policy) : undefined;
      if (cascade) {
        setExecutionPlan(ctx, { kind: 'cascade', cascade, retry: globalRetry });
        return next();
      }
      const route = policy ? routes.get(policy) : undefined;
      if (!route) {
        const chain = chains.size ? chains.get(ctx.request.model) : undefined;
        if (chain)
          setExecutionPlan(ctx, {
            kind: 'targets',
            targets: [ctx.request.model, ...chain],
            retry: globalRetry,
          });
        return next();
      }
      const facts = requestFacts(ctx.request, {
        task: header(ctx, 'x-penny-task') ?? route.task,
        tier: header(ctx, 'x-penny-tier'),
        budget: ctx.slots.get(BUDGET)?.state ?? null,
        promptTokens: countRequestTokens(ctx.request).tokens,
      });
      const d = decideRoute(route, ctx.request, facts, (m) => models.price(m), chains);
      const cal = route.difficulty?.calibrator;
      if (cal && d.difficulty) {
        const usd = (m: string) => {
          const c = estimateCost(facts.promptTokens, route.expectedOutputTokens, models.price(m));
          return c === null ? 0 : moneyToNumber(c);
        };
        const tiers = route.difficulty!.tiers;
        cal.observe(d.difficulty.score, usd(tiers[0]!), usd(tiers[tiers.length - 1]!));
      }
      ctx.slots.set(ROUTE, routeMeta(d));
      ctx.headers['x-penny-route'] = d.chosen;
      if (d.chosen !== ctx.request.model) ctx.request = { ...ctx.request, model: d.chosen };
      setExecutionPlan(ctx, { kind: 'targets', targets: d.targets, retry: route.retry });
      ctx.money.substitution = { tactic: 'route', onlyIfDifferent: true };
      return next();
    },
  });
}
