/**
 * How the execute step should run a request, when a stage decided more than "one call to the requested
 * model": an ordered list of targets with retries (routes, fallback chains) or a cascade. The route stage
 * leaves the plan here and the gateway's execute step takes it; a request with no plan runs exactly as
 * before, so features without a route or cascade pay nothing. Kept beside the context rather than in it,
 * so the context type stays free of execution details.
 */
import type { RequestContext } from '../context.js';
import type { CompiledCascade } from '../cascade/compile-cascade.js';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  retryAfterCapMs: number;
}

export type ExecutionPlan =
  | { kind: 'targets'; targets: readonly string[]; retry: RetryPolicy }
  | { kind: 'cascade'; cascade: CompiledCascade; retry: RetryPolicy };

const plans = new WeakMap<RequestContext, ExecutionPlan>();

export function setExecutionPlan(ctx: RequestContext, plan: ExecutionPlan): void {
  plans.set(ctx, plan);
}

export function executionPlanOf(ctx: RequestContext): ExecutionPlan | undefined {
  return plans.get(ctx);
}
