/**
 * The execute step for a request that has an execution plan: a target list with retries and fallbacks,
 * or a cascade. The gateway calls this instead of a single `executeSingle` when the route stage left a
 * plan; everything here uses the same per-call path (`executeSingle`), so dialect translation, pass-through
 * and stream handling are identical to a plain request.
 */
import type { CallSignal } from '../../core/call-signal.js';
import type { Target, TargetResolver } from '../../providers/resolve-target.js';
import type { Outcome, RequestContext } from '../context.js';
import { executeCascade } from './cascade.js';
import { executeWithFallbacks } from './fallback.js';
import type { ExecutionPlan } from './plan.js';
import type { ExecuteDeps } from './single.js';

export interface PlanDeps extends ExecuteDeps {
  resolver: TargetResolver;
  keyFor(target: Target): string | undefined;
  sleep?: (ms: number, signal: CallSignal) => Promise<boolean>;
}

export function executePlan(ctx: RequestContext, plan: ExecutionPlan, deps: PlanDeps): Promise<Outcome> {
  const base = {
    upstreams: deps.upstreams,
    logger: deps.logger,
    resolve: (ref: string) => deps.resolver.resolve(ref),
    keyFor: deps.keyFor,
    retry: plan.retry,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
  if (plan.kind === 'cascade') return executeCascade(ctx, plan.cascade, base);
  return executeWithFallbacks(ctx, plan.targets, base);
}
