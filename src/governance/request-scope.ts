/**
 * What the guard works out about a request before it checks anything — its facts, the target of the
 * requested model, the key's own budget and rate limit, the rate limits that apply, and per call target the
 * budgets that apply and the price — depends only on the caller (the key's record), the model, the feature,
 * the user and the budget and rate-limit lists in force. So it is worked out once per such combination and
 * reused by every request that has it (the last one per key record, and one for requests without a virtual
 * key), instead of rebuilding the same objects and re-matching every scope on every request. A request with
 * any other combination, a refreshed budget list or a new key record (rotation, a CLI change) gets a scope
 * made afresh, so nothing is served from a stale list. Everything here is read-only once made: requests in
 * flight share it.
 */
import type { PriceCatalog } from '../pricing/catalog.js';
import type { PriceEntry } from '../pricing/price.js';
import type { Target, TargetResolver } from '../providers/resolve-target.js';
import { SIMULATED_PROVIDER } from '../providers/simulated/simulated.js';
import { type CompiledBudget, keyBudget } from './budget.js';
import type { VirtualKeyRecord } from './key-store.js';
import { type CompiledRateLimit, keyRateLimit } from './rate-limit.js';
import { type Facts, scopeApplies } from './scope.js';

export interface RequestScope {
  /** The request's facts (the requested model and its provider). */
  readonly facts: Facts;
  /** The requested model's target (null when it resolves to none). */
  readonly target: Target | null;
  /** The key's own budget, as a list ([] without one). */
  readonly extra: readonly CompiledBudget[];
  /** The budget list (configured and CLI) this scope was made for. */
  readonly configured: readonly CompiledBudget[];
  /** The rate limits that apply to the request (configured first, then the key's own). */
  readonly limits: readonly CompiledRateLimit[];
  /** Whether any of `limits` counts tokens (then the request's prompt is counted). */
  readonly countsTokens: boolean;
  /**
   * The rate admission's reservation options: the snapshots read are only the rate lines' (for the
   * x-ratelimit-* headers), one per rpm and tpm of `limits`, ahead of the first call's budget lines.
   */
  readonly reserveOpts: { readonly views: number };
  /** Whether any budget is in play (the configured list or the key's own): then calls are guarded. */
  readonly guarded: boolean;
  /** Whether the list has a downgrade budget. */
  readonly downgrade: boolean;
  /** The rate-limit list this scope was made for. */
  readonly rateLimits: readonly CompiledRateLimit[];
  /** The last call target's budgets and price (callScope). */
  call: CallScope | null;
}

/** One call target's share of a scope: the budgets whose scope matches the call, and its price. */
export interface CallScope {
  readonly provider: string;
  readonly model: string;
  readonly configured: readonly CompiledBudget[];
  readonly facts: Facts;
  readonly budgets: readonly CompiledBudget[];
  readonly price: PriceEntry | undefined;
  /** The first budget that is not `warn` (it refuses an unpriced call), if any. */
  readonly enforcing: CompiledBudget | undefined;
}

/** The scopes of one guard stage (one resolver and catalog), the last one per key record. */
export class RequestScopes {
  private readonly byRecord = new WeakMap<VirtualKeyRecord, RequestScope>();
  /** Requests without a virtual key. */
  private keyless: RequestScope | null = null;

  constructor(private readonly resolver: TargetResolver) {}

  get(
    rec: VirtualKeyRecord | null,
    configured: readonly CompiledBudget[],
    rateLimits: readonly CompiledRateLimit[],
    attribution: { feature: string | null; keyId: string | null; user: string | null },
    model: string,
  ): RequestScope {
    const hit = rec ? this.byRecord.get(rec) : this.keyless;
    if (
      hit !== undefined &&
      hit !== null &&
      hit.configured === configured &&
      hit.rateLimits === rateLimits &&
      hit.facts.model === model &&
      hit.facts.feature === attribution.feature &&
      hit.facts.key === attribution.keyId &&
      hit.facts.user === attribution.user
    )
      return hit;
    let target: Target | null = null;
    try {
      target = this.resolver.resolve(model);
    } catch {
      // No provider serves the model: the execute step answers that; no call is reserved here.
    }
    const facts: Facts = {
      feature: attribution.feature,
      key: attribution.keyId,
      user: attribution.user,
      model,
      provider: target?.provider.name ?? null,
    };
    const own = rec ? keyBudget(rec) : null;
    const ownRate = rec ? keyRateLimit(rec) : null;
    const limits: CompiledRateLimit[] = [];
    for (const l of rateLimits) if (scopeApplies(l, facts)) limits.push(l);
    if (ownRate && scopeApplies(ownRate, facts)) limits.push(ownRate);
    const made: RequestScope = {
      facts,
      target,
      extra: own ? [own] : [],
      configured,
      limits,
      countsTokens: limits.some((l) => l.tpm !== null),
      reserveOpts: { views: rateLineCount(limits) },
      guarded: configured.length > 0 || own !== null,
      downgrade: configured.some((b) => b.policy === 'downgrade'),
      rateLimits,
      call: null,
    };
    if (rec) this.byRecord.set(rec, made);
    else this.keyless = made;
    return made;
  }
}

/** How many rate lines `limits` make (rateLines: one per rpm and one per tpm). */
function rateLineCount(limits: readonly CompiledRateLimit[]): number {
  let n = 0;
  for (const l of limits) n += (l.rpm !== null ? 1 : 0) + (l.tpm !== null ? 1 : 0);
  return n;
}

/**
 * The budgets that apply to a call to `target` under `configured` (the governance's list when the call
 * begins) and the key's own, with the call's facts and price: the scope's last one when it was for the same
 * target and list, else made (and kept as the last).
 */
export function callScope(
  scope: Pick<RequestScope, 'facts' | 'extra' | 'call'>,
  target: Target,
  configured: readonly CompiledBudget[],
  catalog: PriceCatalog,
): CallScope {
  const provider = target.provider.name;
  const last = scope.call;
  if (
    last !== null &&
    last.provider === provider &&
    last.model === target.model &&
    last.configured === configured
  )
    return last;
  const base = scope.facts;
  const facts: Facts = {
    feature: base.feature,
    key: base.key,
    user: base.user,
    provider,
    model: target.model,
  };
  const budgets: CompiledBudget[] = [];
  for (const b of configured) if (scopeApplies(b, facts)) budgets.push(b);
  for (const b of scope.extra) if (scopeApplies(b, facts)) budgets.push(b);
  // The simulated upstream is priced as the model asked for (as its ledger entries are).
  const simulated = provider === SIMULATED_PROVIDER;
  const made: CallScope = {
    provider,
    model: target.model,
    configured,
    facts,
    budgets,
    price: catalog.lookup(target.model, simulated ? undefined : provider),
    enforcing: budgets.find((b) => b.policy !== 'warn'),
  };
  scope.call = made;
  return made;
}
