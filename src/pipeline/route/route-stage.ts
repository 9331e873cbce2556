/**
 * The route stage: picks the model(s) a request runs on and leaves an execution plan for the execute step
 * — a target list with retries and fallbacks, or the feature's cascade. Everything that can be wrong in
 * the config (unknown models, fallback cycles, bad regexes, JSON schemas that do not compile, a router
 * file that does not load) is found here at start-up. Once the answer is back it records the `route`
 * saving: the actual usage re-priced at the model the client asked for, minus what it actually cost.
 * A feature with neither `route` nor `cascade` (and a model without a fallback chain) costs two map lookups.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { moneyToDecimal } from '../../core/money.js';
import type { FeatureConfig } from '../../config/schema.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import { TargetResolver } from '../../providers/resolve-target.js';
import { countRequestTokens } from '../../tokens/index.js';
import { type CompiledCascade, compileCascade } from '../cascade/compile-cascade.js';
import type { Outcome, RequestContext, Stage } from '../context.js';
import { setExecutionPlan } from '../execute/plan.js';
import { type StageDeps, featurePolicy } from '../stages.js';
import { type CompiledRoute, compileFallbacks, compileRoute } from './compile-route.js';
import { decideRoute, routeMeta } from './decide-route.js';
import { ModelRegistry } from './model-registry.js';
import { requestFacts } from './rules.js';

function header(ctx: RequestContext, name: string): string | null {
  const v = ctx.requestHeaders?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.slice(0, 100) : null;
}

/** The budget guard's verdict for this request, when one ran (`ctx.meta.budget.state`). */
function budgetState(ctx: RequestContext): string | null {
  const state = (ctx.meta.budget as { state?: unknown } | undefined)?.state;
  return typeof state === 'string' ? state : null;
}

export function createRouteStage(deps: StageDeps): Stage {
  const { loaded, catalog } = deps;
  const models = new ModelRegistry(new TargetResolver(loaded), catalog);
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

  return {
    name: 'route',
    async run(ctx, next) {
      const policy = featurePolicy(loaded, ctx.attribution.feature);
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
        budget: budgetState(ctx),
        promptTokens: countRequestTokens(ctx.request).tokens,
      });
      const d = decideRoute(route, ctx.request, facts, (m) => models.price(m), chains);
      const meta = routeMeta(d);
      ctx.meta.route = meta;
      ctx.headers['x-penny-route'] = d.chosen;
      if (d.chosen !== ctx.request.model) ctx.request = { ...ctx.request, model: d.chosen };
      setExecutionPlan(ctx, { kind: 'targets', targets: d.targets, retry: route.retry });
      const outcome = await next();
      const saved = recordRouteSavings(ctx, outcome, catalog);
      if (saved !== null) meta.savedUsd = saved;
      return outcome;
    },
  };
}

/**
 * `route` savings = the request's actual usage priced at the model the client asked for − its actual cost;
 * then baseline = cost + Σ savings so the ledger's books balance. Returns the saving (decimal USD) or null.
 */
export function recordRouteSavings(
  ctx: RequestContext,
  outcome: Outcome,
  catalog: PriceCatalog,
): string | null {
  if (!outcome.usage || !outcome.servedModel || outcome.servedModel === ctx.original.model) return null;
  const requested = computeCost(outcome.usage, catalog.lookup(ctx.original.model)).cost;
  const actual =
    outcome.costOverride !== undefined
      ? outcome.costOverride
      : computeCost(outcome.usage, catalog.lookup(outcome.servedModel, outcome.provider ?? undefined)).cost;
  if (requested === null || actual === null) return null;
  const saved = requested - actual;
  ctx.savings.route = (ctx.savings.route ?? 0n) + saved;
  let sum = 0n;
  for (const v of Object.values(ctx.savings)) sum += v;
  ctx.baselineCost = actual + sum;
  return moneyToDecimal(saved);
}
