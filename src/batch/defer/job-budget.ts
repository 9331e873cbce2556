/**
 * Budgets for deferred jobs. When a job is queued, its worst case at the catalog's batch rates is reserved
 * against every budget whose scope matches it (the guard's own plan and refusal, through the public
 * reservation API: `BudgetCallGuard.plan/refuse`, `Governance.reserve/settle`); a budget that cannot hold it
 * refuses the enqueue with the usual 429. The reservation (id and counter lines) is stored on the job, so
 * whichever instance answers the job — after a restart too — settles it to the answer's batch-rate cost,
 * or releases it when the job fails. A reservation outlives `governance.reservationTtlSeconds` only as the
 * store allows (then it lapses); the spend is booked when the job is answered either way.
 */
import type { Money } from '../../core/money.js';
import type { Usage } from '../../core/usage.js';
import { budgetLine, type BudgetLine } from '../../governance/budget.js';
import { BudgetCallGuard } from '../../governance/call-reservation.js';
import type { ReserveLine } from '../../governance/counter-store.js';
import type { Governance } from '../../governance/governance.js';
import { picoToNanoCeil } from '../../governance/units.js';
import { worstCase } from '../../governance/worst-case.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import type { Target } from '../../providers/resolve-target.js';

/** What a queued job holds on the budgets (stored on the job). */
export interface JobReservation {
  id: string;
  lines: Array<Pick<ReserveLine, 'key' | 'window'>>;
  /** The worst case reserved, nanodollars. */
  amount: number;
}

/** The worst case of `ctx.request` on `target` at batch rates, picodollars (null when unpriced). */
export function batchWorstCase(
  ctx: RequestContext,
  target: Target,
  catalog: PriceCatalog,
  gov: Governance,
): Money | null {
  const price = catalog.lookup(target.model, target.provider.name);
  const wc = worstCase(ctx.request, target.model, price, gov.config);
  if (!price || wc.cost === null) return null;
  let worst: Money = 0n;
  const zero: Usage = {
    inputUncached: 0,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 0,
    reasoning: 0,
  };
  for (const input of [
    { inputUncached: wc.inputTokens },
    { cacheWrite5m: wc.inputTokens },
    { cacheWrite1h: wc.inputTokens },
  ])
    for (const output of [{ outputText: wc.outputTokens }, { reasoning: wc.outputTokens }]) {
      const c = computeCost({ ...zero, ...input, ...output }, price, { batch: true }).cost;
      if (c === null) return null;
      if (c > worst) worst = c;
    }
  return worst;
}

/**
 * Reserves the job's worst case at batch rates; null when no budget applies (or no guard is in play).
 * Throws the guard's 429 (or its unpriced / unavailable errors) when the budgets cannot hold it.
 */
export async function reserveJob(
  ctx: RequestContext,
  target: Target,
  jobId: string,
  catalog: PriceCatalog,
  gov: Governance | undefined,
): Promise<JobReservation | null> {
  const guard = ctx.callGuard;
  if (!gov || !(guard instanceof BudgetCallGuard)) return null;
  const listed = gov.budgets();
  const plan = guard.plan(ctx, target, listed instanceof Promise ? await listed : listed);
  if (!plan) return null;
  const worst = batchWorstCase(ctx, target, catalog, gov);
  // Unpriced with only warn budgets: the plan allowed it (amount 0); nothing to hold.
  const amount = worst === null ? plan.amount : picoToNanoCeil(worst);
  const id = `${jobId}:defer`;
  let built: BudgetLine[] = [];
  let r: Awaited<ReturnType<Governance['reserve']>>;
  try {
    // Held in the store, not in this gateway's allowance: another instance may settle it, or a restart.
    r = await gov.reserve(
      id,
      (now) => {
        built = plan.budgets.map((b) => budgetLine(b, plan.facts, now, gov.config.timeZone, amount));
        return built.map((b) => b.line);
      },
      { direct: true },
    );
  } catch (e) {
    // The store is down: the budgets' failMode decides, as for a call (fail open: flagged, not held).
    if (plan.budgets.some((b) => b.failMode === 'closed')) throw e;
    gov.storeError('reserving a deferred job', e);
    if (!ctx.flags.includes('budget_unchecked')) ctx.flags.push('budget_unchecked');
    return null;
  }
  if (!r.result.ok) {
    if (r.result.reason === 'clock') throw new Error('the store clock and the window disagree');
    throw guard.refuse(
      ctx,
      built[r.result.index]!,
      r.result.snapshot,
      r.result.now,
      amount,
      plan.facts,
      target,
    );
  }
  return { id, lines: r.lines.map((l) => ({ key: l.key, window: l.window })), amount };
}

/** Replaces the job's reservation by its actual cost (null or 0: released). */
export function settleJob(
  gov: Governance | undefined,
  res: JobReservation | undefined,
  cost: Money | null,
): void {
  if (!gov || !res) return;
  const actual = cost === null || cost <= 0n ? 0 : picoToNanoCeil(cost);
  gov.settle(
    res.id,
    res.lines.map((l) => ({ key: l.key, window: l.window, actual })),
    undefined,
    { direct: true },
  );
}
