/**
 * The per-call budget check (a CallGuard, see pipeline/context.ts): before each upstream call —
 * the main one, every cascade step, parallel peer and judge, every fallback, every summary — the call's
 * worst-case cost is reserved against every budget whose scope matches the call (its provider and model
 * are known only here). A call that does not fit is refused before anything is sent: 429 in the client's
 * dialect naming the budget, scope, limit, spent, reserved and reset, with `retry-after`. When the call
 * ends the reservation is replaced by the call's exact cost (rounded up to the nanodollar), or released.
 */
import { PennyError } from '../core/errors.js';
import type { CallGuard, CallTicket, RequestContext } from '../pipeline/context.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Target } from '../providers/resolve-target.js';
import { SIMULATED_PROVIDER } from '../providers/simulated/simulated.js';
import { type BudgetLine, type CompiledBudget, budgetLine } from './budget.js';
import type { CounterSnapshot, ReserveLine, SettleLine } from './counter-store.js';
import type { Governance } from './governance.js';
import { type Facts, describeScope, scopeApplies } from './scope.js';
import { costNanoCeil, nanoToDisplay, nanoToUsd } from './units.js';
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

/** A call's settlement: its lines (its budgets' lines first, in order) and the budgets' call facts. */
interface CallSettlement {
  id: string;
  lines: SettleLine[];
  budgets: readonly CompiledBudget[];
  facts: Facts;
}

export class BudgetCallGuard implements CallGuard {
  private n = 0;
  private prepaid: Prepaid | null = null;
  /** The id of the prepaid call that has begun and not ended. */
  private running: string | null = null;
  /** The prepaid call's settlement, held while the guard stage is open (written with the rate lines). */
  private held: CallSettlement | null = null;
  /** The rate lines the guard stage left for the prepaid call still running to write with its own. */
  private tail: SettleLine[] | null = null;
  private stageOpen = true;

  constructor(
    private readonly gov: Governance,
    private readonly catalog: PriceCatalog,
    private readonly base: Pick<Facts, 'feature' | 'key' | 'user'>,
    private readonly extra: readonly CompiledBudget[],
  ) {}

  /**
   * The call's plan against `configured` budgets (the governance's list) and the key's own, or null when no
   * budget applies; throws when an enforcing budget cannot price it.
   */
  plan(ctx: RequestContext, target: Target, configured: readonly CompiledBudget[]): CallPlan | null {
    const facts: Facts = { ...this.base, provider: target.provider.name, model: target.model };
    const budgets: CompiledBudget[] = [];
    for (const b of configured) if (scopeApplies(b, facts)) budgets.push(b);
    for (const b of this.extra) if (scopeApplies(b, facts)) budgets.push(b);
    if (budgets.length === 0) return null;
    // The simulated upstream is priced as the model asked for (as its ledger entries are).
    const simulated = target.provider.name === SIMULATED_PROVIDER;
    const price = this.catalog.lookup(target.model, simulated ? undefined : target.provider.name);
    const cfg = this.gov.config;
    const wc = worstCase(ctx.request, target.model, price, cfg);
    if (wc.cost === null) {
      const enforcing = budgets.find((b) => b.policy !== 'warn');
      if (enforcing)
        throw new PennyError(
          'budget_unpriced',
          `model "${target.model}" has no known price, so Penny cannot bound its cost under budget "${enforcing.name}"; add a price for it under \`prices\` in the config`,
        );
    }
    const amount = wc.nano ?? 0;
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

  /**
   * The guard stage is done with the request: settles its rate lines (`rate`, under the prepaid
   * reservation's id when there is one) together with the prepaid reservation in one settlement — at 0 when
   * no call used it (cache hit, refusal, another route), at the call's cost when it has ended. A prepaid call
   * still running writes the rate lines with its own when it ends, so its reservation is held until then.
   */
  finish(rate: { id: string; lines: SettleLine[] } | null): void {
    this.stageOpen = false;
    const pre = this.prepaid;
    const held = this.held;
    this.prepaid = null;
    this.held = null;
    const shared = (id: string) => rate !== null && rate.id === id;
    if (pre) {
      const lines: SettleLine[] = pre.lines.map((l) => ({ key: l.key, window: l.window, actual: 0 }));
      if (shared(pre.id)) for (const l of rate!.lines) lines.push(l);
      else if (rate) this.gov.settle(rate.id, rate.lines);
      this.gov.settle(pre.id, lines);
    } else if (held) {
      // held.lines is this guard's own array (built by the ticket): the rate lines join it in place.
      if (shared(held.id)) for (const l of rate!.lines) held.lines.push(l);
      else if (rate) this.gov.settle(rate.id, rate.lines);
      this.gov.settleBudgets(held.id, held.lines, held.budgets, held.facts);
    } else if (rate && this.running !== null && shared(this.running)) this.tail = rate.lines;
    else if (rate) this.gov.settle(rate.id, rate.lines);
  }

  begin(ctx: RequestContext, target: Target): CallTicket | null | Promise<CallTicket | null> {
    const pre = this.prepaid;
    if (pre && pre.provider === target.provider.name && pre.model === target.model) {
      this.prepaid = null;
      this.running = pre.id;
      return this.ticket(pre.id, pre.plan, pre.lines, true);
    }
    return this.reserveCall(ctx, target);
  }

  private async reserveCall(ctx: RequestContext, target: Target): Promise<CallTicket | null> {
    const listed = this.gov.budgets();
    const plan = this.plan(ctx, target, listed instanceof Promise ? await listed : listed);
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
    return this.ticket(id, plan, lines, false);
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

  /**
   * The call's ticket: at its end the reservation is replaced by the call's exact cost. The prepaid call's
   * settlement is held for the guard stage while it is still open (written with the rate lines, one settle).
   */
  private ticket(id: string, plan: CallPlan, reserved: ReserveLine[], prepaid: boolean): CallTicket {
    const { facts, budgets, price } = plan;
    return {
      end: (outcome) => {
        const actual = outcome?.usage ? costNanoCeil(outcome.usage, price) : 0;
        // One line per budget, in the plan's order.
        const lines: SettleLine[] = reserved.map((l) => ({ key: l.key, window: l.window, actual }));
        for (const l of this.gov.thresholds.spendRateLines(actual)) lines.push(l);
        if (!prepaid) return this.gov.settleBudgets(id, lines, budgets, facts);
        this.running = null;
        if (this.stageOpen) this.held = { id, lines, budgets, facts };
        else {
          if (this.tail) for (const l of this.tail) lines.push(l);
          this.gov.settleBudgets(id, lines, budgets, facts);
        }
        this.tail = null;
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
