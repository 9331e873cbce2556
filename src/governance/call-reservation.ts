/**
 * The per-call budget check (a CallGuard, see pipeline/context.ts): before each upstream call —
 * the main one, every cascade step, parallel peer and judge, every fallback, every summary — the call's
 * worst-case cost is reserved against every budget whose scope matches the call (its provider and model
 * are known only here). A call that does not fit is refused before anything is sent: 429 in the client's
 * dialect naming the budget, scope, limit, spent, reserved and reset, with `retry-after`. When the call
 * ends the reservation is replaced by the call's exact cost (rounded up to the nanodollar), or released.
 */
import { PennyError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import type { CallGuard, CallTicket, RequestContext } from '../pipeline/context.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { computeCost } from '../pricing/cost.js';
import type { Target } from '../providers/resolve-target.js';
import { SIMULATED_PROVIDER } from '../providers/simulated/simulated.js';
import { type BudgetLine, type CompiledBudget, budgetLine } from './budget.js';
import type { CounterSnapshot, ReserveLine } from './counter-store.js';
import type { Governance } from './governance.js';
import { type Facts, describeScope, scopeApplies } from './scope.js';
import { nanoToDisplay, nanoToUsd, picoToNanoCeil } from './units.js';
import { worstCase } from './worst-case.js';

/** What one call reserves: the budgets whose scope matches its target, and its worst-case cost. */
export interface CallPlan {
  facts: Facts;
  budgets: CompiledBudget[];
  price: ReturnType<PriceCatalog['lookup']>;
  /** Worst case in nanodollars (0 when unpriced and only warn budgets apply). */
  amount: number;
  /** Lines for the store's time `now`. */
  lines(now: number): BudgetLine[];
}

/** A reservation the guard stage made for the request's first call together with its rate limits. */
interface Prepaid {
  provider: string;
  model: string;
  id: string;
  plan: CallPlan;
  built: BudgetLine[];
  lines: ReserveLine[];
}

export class BudgetCallGuard implements CallGuard {
  private n = 0;
  private prepaid: Prepaid | null = null;

  constructor(
    private readonly gov: Governance,
    private readonly catalog: PriceCatalog,
    private readonly base: Pick<Facts, 'feature' | 'key' | 'user'>,
    private readonly extra: readonly CompiledBudget[],
  ) {}

  /** The call's plan, or null when no budget applies; throws when an enforcing budget cannot price it. */
  async plan(ctx: RequestContext, target: Target): Promise<CallPlan | null> {
    const facts: Facts = { ...this.base, provider: target.provider.name, model: target.model };
    const all = [...(await this.gov.budgets()), ...this.extra];
    const budgets = all.filter((b) => scopeApplies(b, facts));
    if (budgets.length === 0) return null;
    // The simulated upstream is priced as the model asked for (as its ledger entries are).
    const simulated = target.provider.name === SIMULATED_PROVIDER;
    const price = this.catalog.lookup(target.model, simulated ? undefined : target.provider.name);
    const cfg = this.gov.config;
    const wc = worstCase(ctx.request, target.model, price, cfg);
    const enforcing = budgets.filter((b) => b.policy !== 'warn');
    if (wc.cost === null && enforcing.length > 0) {
      throw new PennyError(
        'budget_unpriced',
        `model "${target.model}" has no known price, so Penny cannot bound its cost under budget "${enforcing[0]!.name}"; add a price for it under \`prices\` in the config`,
      );
    }
    const amount = wc.cost === null ? 0 : picoToNanoCeil(wc.cost);
    return {
      facts,
      budgets,
      price,
      amount,
      lines: (now) => budgets.map((b) => budgetLine(b, facts, now, cfg.timeZone, amount)),
    };
  }

  /** The next reservation id of this request. */
  nextId(ctx: RequestContext): string {
    return `${ctx.id}:${this.n++}`;
  }

  /**
   * Records a reservation the guard stage made (under `id`, with the request's rate limits, in one store
   * round trip) for a call to `target`; the first call to that target uses it instead of reserving again.
   */
  prepay(target: Target, id: string, plan: CallPlan, built: BudgetLine[], lines: ReserveLine[]): void {
    this.prepaid = { provider: target.provider.name, model: target.model, id, plan, built, lines };
  }

  /** The prepaid reservation's lines at 0 when no call used it (cache hit, refusal, another route). */
  unusedPrepaid(): { id: string; lines: ReserveLine[] } | null {
    const p = this.prepaid;
    this.prepaid = null;
    return p ? { id: p.id, lines: p.lines } : null;
  }

  async begin(ctx: RequestContext, target: Target): Promise<CallTicket | null> {
    const pre = this.prepaid;
    if (pre && pre.provider === target.provider.name && pre.model === target.model) {
      this.prepaid = null;
      return this.ticket(pre.id, pre.plan, pre.built, pre.lines);
    }
    const plan = await this.plan(ctx, target);
    if (plan === null) return null;
    const { facts, budgets, amount } = plan;
    const id = this.nextId(ctx);
    let built: BudgetLine[] = [];
    let lines: ReserveLine[];
    try {
      const r = await this.gov.reserve(id, (now) => {
        built = plan.lines(now);
        return built.map((b) => b.line);
      });
      if (!r.result.ok) {
        if (r.result.reason === 'clock')
          throw new Error('the store clock and the window still disagree after a resync');
        throw this.refuse(
          ctx,
          built[r.result.index]!,
          r.result.snapshot,
          r.result.now,
          amount,
          facts,
          target,
        );
      }
      lines = r.lines;
    } catch (e) {
      if (e instanceof PennyError) throw e;
      this.gov.storeError('reserving budget', e);
      if (budgets.some((b) => b.failMode === 'closed')) {
        this.gov.stats.refusals.unavailable++;
        throw new PennyError(
          'governance_unavailable',
          'the budget store is unreachable and a budget that applies fails closed; retry shortly',
          { cause: e, retryable: true },
        );
      }
      this.gov.stats.failOpen++;
      if (!ctx.flags.includes('budget_unchecked')) ctx.flags.push('budget_unchecked');
      return null;
    }
    return this.ticket(id, plan, built, lines);
  }

  /** Counts and describes a refusal of line `hit` (also used by the guard stage's combined reservation). */
  refuse(
    ctx: RequestContext,
    hit: BudgetLine,
    snapshot: CounterSnapshot,
    now: number,
    amount: number,
    facts: Facts,
    target: Target,
  ): PennyError {
    this.gov.stats.refusals.budget++;
    const scope = describeScope(hit.budget, facts);
    this.gov.thresholds.refused(hit.budget, hit.line, snapshot, scope);
    return refusal(ctx, hit, snapshot, now, amount, scope, target.model);
  }

  private ticket(id: string, plan: CallPlan, built: BudgetLine[], reserved: ReserveLine[]): CallTicket {
    const { facts, budgets, price } = plan;
    return {
      end: (outcome) => {
        let cost: Money = 0n;
        if (outcome?.usage) cost = computeCost(outcome.usage, price).cost ?? 0n;
        const actual = picoToNanoCeil(cost);
        const lines = reserved.map((l) => ({ key: l.key, window: l.window, actual }));
        const rate = this.gov.thresholds.spendRateLines(actual);
        this.gov.settle(id, [...lines, ...rate], (snaps) => {
          const scopes = built.map((b) => describeScope(b.budget, facts));
          this.gov.thresholds.afterSettle(budgets, [...lines, ...rate], snaps.slice(0, lines.length), scopes);
        });
      },
    };
  }
}

function refusal(
  ctx: RequestContext,
  hit: BudgetLine,
  s: CounterSnapshot,
  now: number,
  amount: number,
  scope: string,
  model: string,
): PennyError {
  const b = hit.budget;
  const limit = b.limitNano;
  // Blocked only by calls in flight: their settlement (usually far below the worst case) frees room soon.
  const inFlightOnly = s.spent + amount <= limit;
  const resetAt = s.resetAt;
  const retryAfter = inFlightOnly
    ? 1
    : resetAt === null
      ? null
      : Math.max(1, Math.ceil((resetAt - now) / 1000));
  if (retryAfter !== null) ctx.headers['retry-after'] = String(retryAfter);
  ctx.headers['x-penny-budget'] = b.name;
  const reset =
    resetAt === null ? 'a total budget, it does not reset' : `resets ${new Date(resetAt).toISOString()}`;
  const err = new PennyError(
    'budget_exceeded',
    `budget "${b.name}" (${scope}; ${b.window}) cannot cover this call to ${model}: limit ${nanoToDisplay(limit)}, spent ${nanoToDisplay(s.spent)}, reserved ${nanoToDisplay(s.reserved)} by calls in flight, this call needs up to ${nanoToDisplay(amount)}; ${reset}`,
    {
      details: {
        budget: b.name,
        policy: b.policy,
        scope,
        window: b.window,
        limit_usd: b.limitUsd,
        spent_usd: nanoToUsd(s.spent),
        reserved_usd: nanoToUsd(s.reserved),
        needed_usd: nanoToUsd(amount),
        reset_at: resetAt === null ? null : new Date(resetAt).toISOString(),
        retry_after_seconds: retryAfter,
      },
    },
  );
  // Also on the error itself: a refusal inside a cascade step or fallback happens on a child context.
  err.clientHeaders = {
    ...(retryAfter !== null ? { 'retry-after': String(retryAfter) } : {}),
    'x-penny-budget': b.name,
  };
  return err;
}
