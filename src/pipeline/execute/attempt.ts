/**
 * One attempt: the request prepared for one resolved target, then one upstream call. Every attempt — the
 * first try, a retry, a fallback to another provider, a cascade step, a judge — runs the context's
 * per-target adapters on its own request, so provider-specific changes (prompt-cache markers) always suit
 * the provider that receives them, and the facts they report travel on the attempt's outcome.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { Target } from '../../providers/resolve-target.js';
import type { Outcome, RequestContext } from '../context.js';
import type { AttemptFacts } from '../settle/facts.js';
import { type ExecuteDeps, executeSingle } from './single.js';

export interface PreparedAttempt {
  request: CanonicalRequest;
  facts: AttemptFacts;
}

/** The request an attempt sends to `target`: the per-target adapters applied in order. */
export function prepareAttempt(
  ctx: RequestContext,
  target: Target,
  request: CanonicalRequest = ctx.request,
): PreparedAttempt {
  let req = request;
  const facts: AttemptFacts = {};
  for (const adapt of ctx.perTarget) {
    const r = adapt(req, target);
    req = r.request;
    if (r.facts) Object.assign(facts, r.facts);
  }
  return { request: req, facts };
}

/**
 * Prepares the attempt for `target` and runs it with `executeSingle` (the client's key set by the caller).
 * With no adapters, executeSingle's own promise (a plain function passing it on: no microtask turns added).
 */
export function executeAttempt(ctx: RequestContext, target: Target, deps: ExecuteDeps): Promise<Outcome> {
  if (ctx.perTarget.length === 0) return executeSingle(ctx, target, deps);
  return adaptedAttempt(ctx, target, deps);
}

async function adaptedAttempt(ctx: RequestContext, target: Target, deps: ExecuteDeps): Promise<Outcome> {
  const { request, facts } = prepareAttempt(ctx, target);
  const outcome = await executeSingle({ ...ctx, request }, target, deps);
  outcome.attemptFacts = facts;
  return outcome;
}
